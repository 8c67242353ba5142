package digest

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
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
	header := CSVHeader(c)
	if want := "Kode;Kommune;Status;Møde;Deltagere;Ledsagere;Aftale;Levering;Fraværende til;Indbyggere;Pris (kr.);Senest ændret"; strings.Join(header, ";") != want {
		t.Errorf("header %q, want %q", strings.Join(header, ";"), want)
	}
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
		counts[row[col["Status"]]]++
		price, err := strconv.ParseInt(row[col["Pris (kr.)"]], 10, 64)
		if err != nil {
			t.Fatalf("%s: price %q is not a whole number of kroner: %v", row[0], row[col["Pris (kr.)"]], err)
		}
		sum += price
	}
	for st, want := range map[string]int{"Tilmeldt": 9, "Afbud": 2, "Uklart svar": 1, "Ikke svaret": 86} {
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
		{"101", "Kommune", "København"},
		{"101", "Status", "Tilmeldt"},
		{"101", "Møde", "Roskilde"},
		{"101", "Deltagere", "2"},
		{"101", "Aftale", "Returneret, ikke kontrolleret"},
		{"101", "Indbyggere", "549050"},
		{"101", "Pris (kr.)", "3843350"},
		{"147", "Aftale", "Bekræftet"},
		{"155", "Status", "Afbud"},
		{"155", "Deltagere", ""},
		{"159", "Status", "Uklart svar"},
		{"161", "Fraværende til", "2012-02-27"},
		{"163", "Levering", "Kan ikke leveres"},
		{"163", "Status", "Ikke svaret"},
		{"165", "Levering", "Kan ikke leveres"},
		{"167", "Levering", "OK"},
		{"630", "Senest ændret", "2012-02-20 10:15"},
		{"825", "Kommune", "Læsø"},
		{"825", "Senest ændret", "2012-02-06 09:00"},
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

// An English campaign gets English words, commas and a decimal point.
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
	if len(recs) != 99 || len(recs[1]) != len(CSVHeader(c)) {
		t.Fatalf("%d records of %d fields, want 99 of %d", len(recs), len(recs[1]), len(CSVHeader(c)))
	}
	if recs[0][1] != "Municipality" || recs[1][2] != "Registered" || recs[1][6] != "Returned, not checked" {
		t.Errorf("English header and values: %q, %q, %q", recs[0][1], recs[1][2], recs[1][6])
	}
	if got := recs[1][10]; got != "1234.56" {
		t.Errorf("an explicit amount of 1234.56 kr. is written %q", got)
	}
}
