package desk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// pageNames are the templates that are pages; each is parsed with the layout on its own, so
// that every page can define "content" and "head".
var pageNames = []string{"signin", "signin_sent", "signin_link", "bounce", "error", "overview", "invitees",
	"invitee", "reviews", "lists", "list", "digests", "digest", "config", "answer"}

// page is what the layout gets.
type page struct {
	Lang, Title, Page string
	Campaign          *campaign.Campaign
	V                 *visit
	Open              int // open review items, for the menu
	D                 any
}

func parsePages(c *campaign.Campaign) (map[string]*template.Template, error) {
	base, err := template.New("layout").Funcs(funcs(c)).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("desk: parse layout: %w", err)
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("desk: parse %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

func funcs(c *campaign.Campaign) template.FuncMap {
	lang, loc := c.Language, c.Location
	in := func(t time.Time) time.Time { return t.In(loc) }
	f := formatter{lang: lang}
	css := stylesheet()
	return template.FuncMap{
		"stylesheet": func() string { return css },
		"t":          f.t,
		"date":       func(t time.Time) string { return f.longDate(in(t)) },
		"longdate":   func(t time.Time) string { return f.longDate(in(t)) },
		"datetime":   func(t time.Time) string { return f.dateTime(in(t)) },
		"timespan":   func(a, b time.Time) string { return f.timespan(in(a), in(b)) },
		"people":     f.people,
		"munis":      f.munis,
		"number":     func(n any) string { return f.number(n) },
		"percent":    f.percent,
		"age":        f.age,
		"kroner":     f.kroner,
		"capital":    upperFirst,
		"kb":         f.kb,
		"city": func(id string) string {
			if m, ok := c.Meeting(id); ok {
				return m.City
			}
			if id == "" {
				return "–"
			}
			return id
		},
	}
}

// stylesheet is the stylesheet's address with a digest of its content: a browser that keeps
// the stylesheet for its hour of caching asks for the new one as soon as a page of a newer
// desk names it, instead of showing the new pages with the old rules.
func stylesheet() string {
	b, _ := staticFiles.ReadFile("static/desk.css")
	sum := sha256.Sum256(b)
	return "/static/desk.css?v=" + hex.EncodeToString(sum[:4])
}

// formatter writes numbers, dates and strings in one language.
type formatter struct{ lang string }

func (f formatter) t(key string, args ...any) string {
	m := catalogue[key]
	s, ok := m[f.lang]
	if !ok {
		s, ok = m["en"]
	}
	if !ok {
		return key
	}
	if len(args) > 0 && strings.Contains(s, "%") {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func (f formatter) longDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if f.lang == "en" {
		return campaign.FormatDateEn(t)
	}
	return campaign.FormatDateDa(t)
}

func (f formatter) dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if f.lang == "en" {
		return t.Format("2 Jan 2006 15:04")
	}
	months := []string{"jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."}
	return fmt.Sprintf("%d. %s %d kl. %d.%02d", t.Day(), months[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

func (f formatter) timespan(a, b time.Time) string {
	if f.lang == "en" {
		return campaign.FormatTimeEn(a) + "–" + campaign.FormatTimeEn(b)
	}
	return fmt.Sprintf("kl. %d.%02d–%d.%02d", a.Hour(), a.Minute(), b.Hour(), b.Minute())
}

func (f formatter) people(n int) string {
	switch {
	case n == 1 && f.lang == "en":
		return "1 person"
	case n == 1:
		return "1 deltager"
	case f.lang == "en":
		return fmt.Sprintf("%d people", n)
	}
	return fmt.Sprintf("%d deltagere", n)
}

// munis counts invitees ("1 kommune", "12 kommuner").
func (f formatter) munis(n int) string {
	if n == 1 {
		return f.t("munis_one")
	}
	return f.t("munis", n)
}

func (f formatter) number(n any) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case int64:
		v = x
	}
	s := campaign.FormatNumber(v)
	if f.lang == "en" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

func (f formatter) percent(share float64) string {
	p := math.Round(share*1000) / 10
	s := strings.TrimSuffix(fmt.Sprintf("%.1f", p), ".0")
	if f.lang == "en" {
		return s + "%"
	}
	return strings.ReplaceAll(s, ".", ",") + " %"
}

// kb writes a file's size in kilobytes, one decimal ("7,7 kB").
func (f formatter) kb(n int) string {
	s := fmt.Sprintf("%.1f kB", float64(n)/1000)
	if f.lang == "en" {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

func (f formatter) kroner(oere int64) string {
	if f.lang == "en" {
		return campaign.FormatKronerEn(oere)
	}
	return campaign.FormatKroner(oere)
}

// age says how long ago, in whole minutes, hours or days.
func (f formatter) age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return f.t("age_minutes", max(0, int(d.Minutes())))
	case d < 2*time.Hour:
		return f.t("age_hour")
	case d < 48*time.Hour:
		return f.t("age_hours", int(d.Hours()))
	}
	return f.t("age_days", int(d.Hours()/24))
}

func (s *Server) f() formatter                  { return formatter{lang: s.lang} }
func (s *Server) t(key string, a ...any) string { return s.f().t(key, a...) }
func (s *Server) people(n int) string           { return s.f().people(n) }
func (s *Server) percent(v float64) string      { return s.f().percent(v) }
func (s *Server) longDate(t time.Time) string   { return s.f().longDate(t.In(s.c.Location)) }
func (s *Server) dateTime(t time.Time) string   { return s.f().dateTime(t.In(s.c.Location)) }

// render writes a page: to a buffer first, so that a template error becomes a clean 500. A
// staff page (v not nil) shows open, the open review items the page counted in its own read
// transaction, in the menu.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *visit, open int, data any) {
	t := s.pages[name]
	p := page{Lang: s.lang, Title: s.t("title_" + name), Page: name, Campaign: s.c, V: v, Open: open, D: data}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Error("desk: render", "page", name, "err", err)
		http.Error(w, s.t("err_internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// openCount is the number of open review items the menu shows, for a page that reads nothing
// else; 0 when the store cannot say.
func (s *Server) openCount(ctx context.Context) int {
	var n int
	err := s.st.View(ctx, func(tx *store.Tx) (err error) {
		n, err = tx.OpenReviewCount()
		return err
	})
	if err != nil {
		return 0
	}
	return n
}

// fail shows an error page with a message from the catalogue.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	v, _ := s.session(r)
	open := 0
	if v != nil {
		open = s.openCount(r.Context())
	}
	s.render(w, r, status, "error", v, open, s.t(key))
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("desk: page", "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "err_internal")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
