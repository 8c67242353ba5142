package digest

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
)

// sheet writes a CSV file as a spreadsheet on the staff's machines opens it: UTF-8 with a byte
// order mark (without it Excel reads "Furesø" as Windows-1252, "FuresÃ¸"), the campaign's
// separator (CSVComma: ";" in Danish, where Excel splits on the list separator and a comma
// puts every row in column A), CRLF line ends as Excel writes them and RFC 4180 asks. A cell
// a spreadsheet would take for a formula (names and roles come from replies) is written as
// text. Every CSV rsvpd writes, the status and the participant lists, the mailed ones and the
// desk's, goes through it.
type sheet struct {
	b bytes.Buffer
	w *csv.Writer
}

func newSheet(c *campaign.Campaign) *sheet {
	s := &sheet{}
	s.b.WriteString("\uFEFF")
	s.w = csv.NewWriter(&s.b)
	s.w.Comma, s.w.UseCRLF = CSVComma(c), true
	return s
}

// row writes one row.
func (s *sheet) row(cells ...string) error {
	for i, v := range cells {
		cells[i] = asText(v)
	}
	return s.w.Write(cells)
}

// bytes is the file written.
func (s *sheet) bytes() ([]byte, error) {
	s.w.Flush()
	return s.b.Bytes(), s.w.Error()
}

// asText keeps a spreadsheet from reading a value as a formula: one that starts with = + @
// a tab or a CR, or with - and is no number, gets an apostrophe before it, which Excel and
// LibreOffice show as text. Negative numbers stay numbers.
func asText(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '@', '\t', '\r':
		return "'" + v
	case '-':
		if _, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64); err != nil {
			return "'" + v
		}
	}
	return v
}
