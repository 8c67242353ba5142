package digest

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"testing"

	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

// The attachment must open in Excel with Danish settings (BOM, semicolons) and hold the whole
// status: one row per invitee, with the state the scripted morning gave each.
func TestCSVHoldsEveryInvitee(t *testing.T) {
	c, _, m := makeDigest(t)
	if m.CSVName != "status-2012-02-21.csv" {
		t.Errorf("attachment name %q", m.CSVName)
	}
	if !bytes.HasPrefix(m.CSV, []byte("\xEF\xBB\xBF")) {
		t.Fatal("the CSV does not start with a UTF-8 byte order mark: Excel would show æøå as Windows-1252")
	}
	r := csv.NewReader(bytes.NewReader(m.CSV[3:]))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	header := CSVHeader()
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		t.Fatalf("header %v, want %v", recs[0], header)
	}
	rows := recs[1:]
	if len(rows) != 98 {
		t.Fatalf("%d data rows, want 98", len(rows))
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	byCode := map[string][]string{}
	counts := map[string]int{}
	var sum int64
	for _, row := range rows {
		byCode[row[0]] = row
		counts[row[col["status"]]]++
		price, err := strconv.ParseInt(row[col["price"]], 10, 64)
		if err != nil {
			t.Fatalf("%s: price %q is not a whole number of kroner: %v", row[0], row[col["price"]], err)
		}
		sum += price
	}
	for st, want := range map[string]int{"attending": 9, "declined": 2, "unclear": 1, "invited": 86} {
		if counts[st] != want {
			t.Errorf("%d rows %s, want %d", counts[st], st, want)
		}
	}
	if sum*100 != c.TotalPrice() {
		t.Errorf("the prices add up to %d kr., the campaign's total is %d øre", sum, c.TotalPrice())
	}
	for _, tc := range []struct {
		code  string
		field string
		want  string
	}{
		{"101", "name", "København"},
		{"101", "status", "attending"},
		{"101", "meeting", "roskilde"},
		{"101", "headcount", "2"},
		{"101", "agreement", "returned"},
		{"101", "population", "549050"},
		{"101", "price", "3843350"},
		{"147", "agreement", "confirmed"},
		{"155", "status", "declined"},
		{"155", "headcount", ""},
		{"159", "status", "unclear"},
		{"161", "away_until", "2012-02-27"},
		{"163", "delivery", "undeliverable"},
		{"163", "status", "invited"},
		{"165", "delivery", "undeliverable"},
		{"167", "delivery", "ok"},
		{"630", "last_change", "2012-02-20 10:15"},
		{"825", "name", "Læsø"},
		{"825", "last_change", "2012-02-06 09:00"},
	} {
		t.Run(tc.code+"/"+tc.field, func(t *testing.T) {
			row, ok := byCode[tc.code]
			if !ok {
				t.Fatalf("no row for %s", tc.code)
			}
			if got := row[col[tc.field]]; got != tc.want {
				t.Errorf("%s %s = %q, want %q", tc.code, tc.field, got, tc.want)
			}
		})
	}
	if rows[0][0] != "101" || rows[len(rows)-1][0] != "860" {
		t.Errorf("rows run from %s to %s, want the status order 101 … 860", rows[0][0], rows[len(rows)-1][0])
	}
}

// An English campaign gets commas and a decimal point.
func TestCSVEnglishUsesCommas(t *testing.T) {
	c := exampleCampaign(t)
	c.Language = "en"
	amount := int64(123456)
	c.Invitees[0].Amount = &amount
	c.Index()
	st := midCampaign(t, c)
	var r status.Report
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		states, err := tx.States()
		r = status.Build(c, states)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := CSV(c, r)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 99 || len(recs[1]) != len(CSVHeader()) {
		t.Fatalf("%d records of %d fields, want 99 of %d", len(recs), len(recs[1]), len(CSVHeader()))
	}
	if got := recs[1][10]; got != "1234.56" {
		t.Errorf("an explicit amount of 1234.56 kr. is written %q", got)
	}
}
