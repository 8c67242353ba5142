package config

import (
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
)

// invitees reads the invitee list (a CSV file named in the config) and the per-invitee
// overrides written in the config itself.
func (b *builder) invitees(n node, c *campaign.Campaign) {
	if n.missing() {
		n.errorf("required")
		return
	}
	f := n.fields("file", "overrides")
	file := f["file"].str(true)
	if file != "" {
		b.readInvitees(f["file"], file, c)
	}
	b.overrides(f["overrides"], c)
	if file != "" && len(c.Invitees) == 0 && len(b.csv) > 0 && b.listRead && len(b.csv[len(b.csv)-1].errs) == 0 {
		f["file"].errorf("%s lists no invitees", file)
	}
}

func (b *builder) readInvitees(at node, file string, c *campaign.Campaign) {
	shown := file
	if !filepath.IsAbs(file) {
		shown = filepath.Join(b.cfg.Dir, file)
	}
	col := &collector{file: shown}
	b.csv = append(b.csv, col)
	r, err := b.openList(file)
	if err != nil {
		at.errorf("cannot open the invitee list %s: %s", shown, fileProblem(err))
		return
	}
	defer r.Close()
	if fi, err := r.Stat(); err == nil && fi.IsDir() {
		at.errorf("cannot read the invitee list %s: it is a folder, not a file", shown)
		return
	}
	b.listRead = true
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true // each invitee keeps only its own fields, not the record's slice
	header, err := cr.Read()
	if err != nil {
		col.add(1, "", "cannot read the header line: %v", err)
		return
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := cols["email"]; !ok {
		if i, ok := cols["director_email"]; ok {
			cols["email"] = i
		}
	}
	for _, need := range []string{"code", "name", "email"} {
		if _, ok := cols[need]; !ok {
			col.add(1, "", "missing column %q (have: %s)", need, strings.Join(header, ", "))
		}
	}
	_, hasPop := cols[c.Price.PopulationName]
	if c.Price.PopulationName != "" && !hasPop {
		col.add(1, "", "missing column %q named by price.population", c.Price.PopulationName)
	}
	if len(col.errs) > 0 {
		return
	}
	seenCode, seenEmail := map[string]int{}, map[string]int{}
	for i := 0; ; i++ {
		row := rowAt{col: col, i: i}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		row.line = line
		if err != nil {
			col.add(line, "", "%v", err)
			if _, ok := err.(*csv.ParseError); ok && len(rec) == 0 {
				break
			}
			continue
		}
		get := func(name string) string {
			if j, ok := cols[name]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		inv := campaign.Invitee{
			Code:       get("code"),
			Name:       get("name"),
			FormalName: get("formal_name"),
			Region:     get("region"),
			Contact:    get("contact"),
		}
		b.checkInvitee(row, &inv)
		inv.Email = checkAddress(row, get("email"))
		if inv.Code != "" {
			if first, dup := seenCode[inv.Code]; dup {
				row.add("code", "duplicate code %q (first on line %d)", inv.Code, first)
			}
			seenCode[inv.Code] = line
		}
		if inv.Email != "" {
			if first, dup := seenEmail[inv.Email]; dup {
				row.add("email", "duplicate address %s (first on line %d)", inv.Email, first)
			}
			seenEmail[inv.Email] = line
		}
		if hasPop {
			s := get(c.Price.PopulationName)
			if strings.Contains(s, ".") {
				s = strings.ReplaceAll(s, ".", "")
			}
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 {
				row.add(c.Price.PopulationName, "%q is not a population figure", s)
			}
			inv.Population = v
		}
		if s := get("amount"); s != "" {
			oere, err := parseKroner(s)
			if err != nil {
				row.add("amount", "%v", err)
			} else {
				inv.Amount = &oere
			}
		}
		c.Invitees = append(c.Invitees, inv)
	}
}

// rowAt is one row of the invitee list, for its problems: the key path ("invitees[3].email")
// is written only when there is a problem to report, not for each of a hundred thousand rows.
type rowAt struct {
	col  *collector
	i    int // the row's index among the invitees
	line int // the line it starts on
}

func (r rowAt) add(key, format string, args ...any) {
	r.col.add(r.line, "invitees["+strconv.Itoa(r.i)+"]."+key, format, args...)
}

// checkInvitee validates the invitee's code and the names that appear in letters and headers.
func (b *builder) checkInvitee(row rowAt, inv *campaign.Invitee) {
	if inv.Code == "" {
		row.add("code", "required")
	} else if !validID(inv.Code) {
		row.add("code", "%q: use lower-case letters, digits, - and _ (at most 32)", inv.Code)
	}
	if inv.Name == "" {
		row.add("name", "required")
	}
	for _, v := range []struct{ key, val string }{{"name", inv.Name}, {"formal_name", inv.FormalName}, {"contact", inv.Contact}} {
		if i := strings.IndexFunc(v.val, isControl); i >= 0 {
			row.add(v.key, "control character %q not allowed in a value used in mail headers", v.val[i])
		}
	}
	if inv.FormalName == "" {
		inv.FormalName = inv.Name
	}
}

// validID is idPattern without the regular expression, which costs more than the rest of
// reading a row: a lower-case letter or digit, then up to 31 of those, - or _.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
		case (ch == '-' || ch == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

func checkAddress(row rowAt, s string) string {
	if s == "" {
		row.add("email", "required")
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || strings.ContainsFunc(s, isControl) {
		row.add("email", "%q is not a valid e-mail address", s)
		return ""
	}
	if a.Address == s && !hasUpper(s) {
		return s // the common case: keep the field itself, not a copy
	}
	return strings.ToLower(a.Address)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// overrides applies per-invitee settings from the config (an explicit amount, a contact name,
// another address) on top of the list.
func (b *builder) overrides(n node, c *campaign.Campaign) {
	for _, item := range n.list() {
		f := item.fields("code", "amount", "contact", "email")
		code := f["code"].str(true)
		idx := -1
		for i := range c.Invitees {
			if c.Invitees[i].Code == code {
				idx = i
			}
		}
		if code != "" && idx < 0 {
			f["code"].errorf("no invitee has code %q", code)
			continue
		}
		if idx < 0 {
			continue
		}
		inv := &c.Invitees[idx]
		if s := f["amount"].str(false); s != "" {
			oere, err := parseKroner(s)
			if err != nil {
				f["amount"].errorf("%v", err)
			} else {
				inv.Amount = &oere
			}
		}
		if s := f["contact"].header(false); s != "" {
			inv.Contact = s
		}
		if a := b.address(f["email"], false); a != "" {
			for _, other := range c.Invitees {
				if other.Email == a && other.Code != code {
					f["email"].errorf("address %s already belongs to invitee %s", a, other.Code)
				}
			}
			inv.Email = a
		}
	}
}

// openList opens the invitee list. A relative path is read beside the configuration (from
// the file system the configuration came from); an absolute path is read from the machine's
// file system as it stands, which is what an operator who writes one means.
func (b *builder) openList(file string) (fs.File, error) {
	if filepath.IsAbs(file) {
		return os.Open(file)
	}
	name := path.Clean(filepath.ToSlash(file))
	if !fs.ValidPath(name) {
		return nil, errOutside
	}
	return b.fsys.Open(name)
}

var errOutside = errors.New("a relative path must stay within the configuration's folder " +
	"(no .. that leaves it); name a file elsewhere by its absolute path")

// fileProblem says in words why a file named in the configuration cannot be read.
func fileProblem(err error) string {
	switch {
	case errors.Is(err, errOutside):
		return err.Error()
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: the file is not readable by the user rsvpd runs as"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
