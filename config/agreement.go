package config

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rsvpd/rsvpd/campaign"
)

// agreement reads the terms the agreement PDF states besides the price; until and
// first_invoice are also what the agreement letter says of them, from here.
func (b *builder) agreement(n node, c *campaign.Campaign) {
	if n.missing() {
		n.errorf("required: the agreement's VAT, the day it runs until and the month of its first invoice")
	}
	f := n.fields("title", "conditions", "vat", "until", "first_invoice", "term", "invoicing", "signatory")
	a := campaign.AgreementTerms{
		Title:      f["title"].header(false),
		Conditions: f["conditions"].strs(),
		VAT:        campaign.VAT(f["vat"].str(true)),
		Term:       f["term"].str(false),
		Invoicing:  f["invoicing"].str(false),
	}
	// A configuration from before these keys lacks them: say what each is and how to write it.
	if requiredAs(f["until"], "the last day the agreement runs (e.g. 2014-12-31), stated in the agreement letter and the PDF") {
		a.Until, _ = b.date(f["until"], true)
	}
	if requiredAs(f["first_invoice"], "the month the first invoice is sent (e.g. 2012-04), stated in the agreement letter and the PDF") {
		a.FirstInvoice, _ = b.month(f["first_invoice"], true)
	}
	if a.Title == "" {
		a.Title = "Tilslutningsaftale"
	}
	switch a.VAT {
	case "", campaign.VATExcluded, campaign.VATIncluded:
	default:
		f["vat"].errorf("%q: say whether the amounts include VAT (excluded or included)", a.VAT)
	}
	sf := f["signatory"].fields("name", "title")
	a.Signatory = campaign.Signatory{Name: sf["name"].header(false), Title: sf["title"].header(false)}
	c.Agreement = a
}

// month reads a month of a year, written 2012-04, as the start of its first day.
func (b *builder) month(n node, required bool) (time.Time, bool) {
	s := n.str(required)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01", s, b.loc)
	if err != nil {
		n.errorf("%q is not a month like 2012-04", s)
		return time.Time{}, false
	}
	return t, true
}

// requiredAs reports whether n is given; when it is not, it says so with what the key is.
func requiredAs(n node, what string) bool {
	if n.n != nil && !isNull(n.n) && (n.n.Kind != yaml.ScalarNode || strings.TrimSpace(n.n.Value) != "") {
		return true // a value of the wrong kind is named by the reading that follows
	}
	n.errorf("required: %s", what)
	return false
}
