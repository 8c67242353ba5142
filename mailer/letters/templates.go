package letters

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates
var embedded embed.FS // read-only template sources, never changed after build

// source is one template file: its text and the name errors give it (the override's path, or
// the embedded name).
type source struct {
	name string
	text string
}

// templateNames lists every template file name Letters reads.
func templateNames() []string {
	var names []string
	for _, lang := range Languages() {
		names = append(names, "common."+lang+".txt", "common."+lang+".html", "reasons."+lang+".txt")
		for _, k := range Kinds() {
			base := string(k) + "." + lang
			names = append(names, base+".subject", base+".txt", base+".html")
		}
	}
	return names
}

// templateSources reads the embedded templates and replaces each with its override, if any.
func templateSources(overrideDir string) (map[string]source, error) {
	src := map[string]source{}
	for _, name := range templateNames() {
		b, err := embedded.ReadFile("templates/" + name)
		if err != nil {
			return nil, fmt.Errorf("load letters: embedded template %s: %w", name, err)
		}
		src[name] = source{name: name, text: string(b)}
	}
	if overrideDir == "" {
		return src, nil
	}
	entries, err := os.ReadDir(overrideDir)
	if err != nil {
		return nil, fmt.Errorf("load letters: template folder: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
			continue // editors' backup and swap files
		}
		path := filepath.Join(overrideDir, name)
		if _, ok := src[name]; !ok {
			return nil, fmt.Errorf("load letters: %s: not a template name (names are <kind>.<lang>.subject|txt|html, common.<lang>.txt|html or reasons.<lang>.txt, e.g. invitation.da.txt)", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("load letters: %w", err)
		}
		src[name] = source{name: path, text: string(b)}
	}
	return src, nil
}

// parseSet parses the subject, text and HTML templates of one kind in one language, each body
// with its language's common file, so that a kind file can use the shared parts.
func parseSet(src map[string]source, k Kind, lang string, loc *time.Location) (*letterSet, error) {
	base := string(k) + "." + lang
	subj, txt, html := src[base+".subject"], src[base+".txt"], src[base+".html"]
	ctxt, chtml := src["common."+lang+".txt"], src["common."+lang+".html"]
	tf := textFuncs(lang, loc)
	s := &letterSet{subjectName: subj.name, textName: txt.name, htmlName: html.name,
		subjectFile: subj.name}
	var err error
	if s.subject, err = texttemplate.New(subj.name).Funcs(tf).Option("missingkey=error").Parse(subj.text); err != nil {
		return nil, err
	}
	t := texttemplate.New(ctxt.name).Funcs(tf).Option("missingkey=error")
	if _, err = t.Parse(ctxt.text); err != nil {
		return nil, err
	}
	if _, err = t.New(txt.name).Parse(txt.text); err != nil {
		return nil, err
	}
	s.text = t
	h := htmltemplate.New(chtml.name).Funcs(htmlFuncs(lang, loc)).Option("missingkey=error")
	if _, err = h.Parse(chtml.text); err != nil {
		return nil, err
	}
	if _, err = h.New(html.name).Parse(html.text); err != nil {
		return nil, err
	}
	s.html = h
	return s, nil
}

// TemplateNames lists the file names a template folder may hold, sorted; for documentation
// and `rsvpd check`.
func TemplateNames() []string {
	n := templateNames()
	sort.Strings(n)
	return n
}

// EmbeddedTemplates is the folder of default templates, to copy from when writing overrides.
func EmbeddedTemplates() (fs.FS, error) { return fs.Sub(embedded, "templates") }
