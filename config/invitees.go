package config

import (
	"encoding/csv"
	"errors"
	"fmt"
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
	f := n.fields("file", "role", "overrides")
	c.InviteeRole = f["role"].str(false)
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
	cr := csv.NewReader(&boundedReader{r: r})
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true // each invitee keeps only its own fields, not the record's slice
	h, ok := readInviteeHeader(cr, col, c)
	if !ok {
		return
	}
	seen := inviteeSeen{code: map[string]int{}, email: map[string]int{}}
	for i := 0; ; i++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			col.add(line, "", "%v", err) // the file is past a bound, or cannot be read
			break
		}
		if err != nil {
			col.add(line, "", "%v", err)
			if len(rec) == 0 {
				break
			}
			continue
		}
		if i >= MaxInvitees {
			col.add(line, "", "more than %d invitees: rsvpd runs a campaign of at most %d", MaxInvitees, MaxInvitees)
			break
		}
		c.Invitees = append(c.Invitees, b.inviteeRow(col, line, fmt.Sprintf("invitees[%d]", i), h.get(rec), h, seen, c))
	}
}

// inviteeHeader is what the header line of the invitee list says: where each column is.
type inviteeHeader struct {
	cols   map[string]int // lower-case column name -> index
	hasPop bool           // the population column the price names is there
}

// get returns a row's value of a column by name ("" when the row or the list lacks it).
func (h inviteeHeader) get(rec []string) func(string) string {
	return func(name string) string {
		if j, ok := h.cols[name]; ok && j < len(rec) {
			return strings.TrimSpace(rec[j])
		}
		return ""
	}
}

// readInviteeHeader reads the header line and checks that the needed columns are there.
func readInviteeHeader(cr *csv.Reader, col *collector, c *campaign.Campaign) (inviteeHeader, bool) {
	header, err := cr.Read()
	if err != nil {
		col.add(1, "", "cannot read the header line: %v", err)
		return inviteeHeader{}, false
	}
	h := inviteeHeader{cols: map[string]int{}}
	for i, name := range header {
		h.cols[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))] = i
	}
	if _, ok := h.cols["email"]; !ok {
		if i, ok := h.cols["director_email"]; ok {
			h.cols["email"] = i
		}
	}
	for _, need := range []string{"code", "name", "email"} {
		if _, ok := h.cols[need]; !ok {
			col.add(1, "", "missing column %q (have: %s)", need, strings.Join(header, ", "))
		}
	}
	_, h.hasPop = h.cols[c.Price.PopulationName]
	if c.Price.PopulationName != "" && !h.hasPop {
		col.add(1, "", "missing column %q named by price.population", c.Price.PopulationName)
	}
	return h, len(col.errs) == 0
}

// inviteeSeen remembers the line each code and address was first seen on.
type inviteeSeen struct{ code, email map[string]int }

// inviteeRow reads one row of the list into an invitee, adding each problem to col.
func (b *builder) inviteeRow(col *collector, line int, p string, get func(string) string, h inviteeHeader, seen inviteeSeen, c *campaign.Campaign) campaign.Invitee {
	inv := campaign.Invitee{
		Code:       get("code"),
		Name:       get("name"),
		FormalName: get("formal_name"),
		Region:     get("region"),
		Contact:    get("contact"),
		Address:    get("address"),
	}
	if s := get("cvr"); s != "" {
		inv.CVR = checkCVR(col, line, p+".cvr", s)
	}
	b.checkInvitee(col, line, p, &inv)
	inv.Email = checkAddress(col, line, p+".email", get("email"))
	if inv.Code != "" {
		if first, dup := seen.code[inv.Code]; dup {
			col.add(line, p+".code", "duplicate code %q (first on line %d)", inv.Code, first)
		}
		seen.code[inv.Code] = line
	}
	if inv.Email != "" {
		if first, dup := seen.email[inv.Email]; dup {
			col.add(line, p+".email", "duplicate address %s (first on line %d)", inv.Email, first)
		}
		seen.email[inv.Email] = line
	}
	if h.hasPop {
		s := strings.ReplaceAll(get(c.Price.PopulationName), ".", "")
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			col.add(line, p+"."+c.Price.PopulationName, "%q is not a population figure", s)
		}
		inv.Population = v
	}
	if s := get("amount"); s != "" {
		oere, err := parseKroner(s)
		if err != nil {
			col.add(line, p+".amount", "%v", err)
		} else {
			inv.Amount = &oere
		}
	}
	return inv
}

// checkInvitee validates the invitee's code and the names that appear in letters and headers.
func (b *builder) checkInvitee(col *collector, line int, p string, inv *campaign.Invitee) {
	if inv.Code == "" {
		col.add(line, p+".code", "required")
	} else if !validID(inv.Code) {
		col.add(line, p+".code", "%q: use lower-case letters, digits, - and _ (at most 32)", inv.Code)
	}
	if inv.Name == "" {
		col.add(line, p+".name", "required")
	}
	for _, v := range []struct{ key, val string }{{"name", inv.Name}, {"formal_name", inv.FormalName}, {"contact", inv.Contact}, {"region", inv.Region}, {"address", inv.Address}} {
		if i := strings.IndexFunc(v.val, isControl); i >= 0 {
			col.add(line, p+"."+v.key, "control character %q not allowed in a value used in mail headers", v.val[i])
		}
		if len(v.val) > maxHeaderValue {
			col.add(line, p+"."+v.key, "%d bytes long; a value used in mail headers has at most %d", len(v.val), maxHeaderValue)
		}
	}
	if inv.FormalName == "" {
		inv.FormalName = inv.Name
	}
}

// checkCVR reads a CVR number from the list, as cvr does from the config.
func checkCVR(col *collector, line int, p, s string) string {
	d, ok := parseCVR(s)
	if !ok {
		col.add(line, p, "%q is not a CVR number (eight digits, such as 19435075)", s)
	}
	return d
}

func checkAddress(col *collector, line int, p, s string) string {
	if s == "" {
		col.add(line, p, "required")
		return ""
	}
	if len(s) > maxAddress {
		col.add(line, p, "%d bytes long; an e-mail address has at most %d", len(s), maxAddress)
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || strings.ContainsFunc(s, isControl) {
		col.add(line, p, "%q is not a valid e-mail address", s)
		return ""
	}
	return strings.ToLower(a.Address)
}

// maxAddress is the longest address SMTP carries (RFC 5321: a path of 256 with its brackets).
const maxAddress = 254

// overrides applies per-invitee settings from the config (an explicit amount, a contact name,
// another address) on top of the list.
func (b *builder) overrides(n node, c *campaign.Campaign) {
	for _, item := range n.list() {
		f := item.fields("code", "amount", "contact", "email", "address", "cvr")
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
		if s := f["address"].header(false); s != "" {
			inv.Address = s
		}
		if s := cvr(f["cvr"], false); s != "" {
			inv.CVR = s
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
