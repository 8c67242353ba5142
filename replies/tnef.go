package replies

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Outlook with Exchange may send a reply as winmail.dat (application/ms-tnef, MS-OXTNEF): the
// note the person wrote, or the whole meeting response, then lives only inside it. No
// maintained Go TNEF decoder is served by the module proxy this project builds with, so this
// is a small one: it reads the attributes and MAPI properties a reply needs (message class,
// subject, plain, HTML and compressed RTF body, the meeting's start), bounded in size and
// count, linear in its input, and behind recover.

// tnefContent is what a winmail.dat says.
type tnefContent struct {
	class   string    // PidTagMessageClass: "IPM.Note", "IPM.Schedule.Meeting.Resp.Pos", ...
	subject string    // PidTagSubject or attSubject
	text    string    // the body as plain text (from the plain, HTML or RTF body)
	html    string    // the HTML body, when the text came from it
	start   time.Time // the meeting's start (PidLidAppointmentStartWhole or attDateStart)
	err     error     // why it could not be read, when it could not
}

const (
	tnefSignature = 0x223e9f78
	maxTNEF       = 8 << 20 // a winmail.dat bigger than this is attachments, not a reply
	maxTNEFAttrs  = 10000
	maxMAPIProps  = 10000
	maxRTF        = 4 << 20 // decompressed RTF
)

var errTNEF = errors.New("not a TNEF stream")

// readTNEF decodes the message's winmail.dat, if it has one, and reads its note as the body
// when the MIME body says nothing.
func (m *message) readTNEF() {
	for _, p := range m.parts {
		if !strings.EqualFold(p.ContentType, "application/ms-tnef") && !strings.EqualFold(p.FileName, "winmail.dat") {
			continue
		}
		t := decodeTNEF(p.Content)
		m.tnef = &t
		if t.err == nil && strings.TrimSpace(m.text) == "" && strings.TrimSpace(t.text) != "" {
			m.text, m.html, m.bodyText, m.lines = t.text, t.html, nil, nil
		}
		return
	}
}

// decodeTNEF reads a TNEF stream; a stream it cannot read comes back with err set.
func decodeTNEF(data []byte) (t tnefContent) {
	defer func() {
		if p := recover(); p != nil {
			t = tnefContent{err: fmt.Errorf("winmail.dat: internal error: %v", p)}
		}
	}()
	if len(data) > maxTNEF {
		return tnefContent{err: fmt.Errorf("winmail.dat is %d bytes, more than rsvpd reads (%d)", len(data), maxTNEF)}
	}
	r := &tnefReader{b: data}
	if sig, ok := r.u32(); !ok || sig != tnefSignature {
		return tnefContent{err: errTNEF}
	}
	r.skip(2) // the attachment key
	var body, htmlBody, rtf []byte
	var bodyUnicode bool
	for n := 0; r.left() > 0; n++ {
		if n >= maxTNEFAttrs {
			return tnefContent{err: errors.New("winmail.dat has too many attributes")}
		}
		level, ok1 := r.u8()
		id, ok2 := r.u32()
		size, ok3 := r.u32()
		val, ok4 := r.bytes(int(size))
		_, ok5 := r.u16() // checksum
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
			if n == 0 {
				return tnefContent{err: errors.New("winmail.dat ends inside its first attribute")}
			}
			break // a cut stream: keep what was read
		}
		if level != 1 {
			continue // attachments' own attributes
		}
		switch id & 0xffff {
		case 0x8008: // attMessageClass
			t.class = cString(val)
		case 0x8004: // attSubject
			t.subject = decodeString8(cString(val))
		case 0x800c: // attBody
			body = val
		case 0x0006: // attDateStart
			t.start = tnefDate(val)
		case 0x9003: // attMAPIProps
			p := readMAPIProps(val)
			t.class = or(p.class, t.class)
			t.subject = or(p.subject, t.subject)
			if p.body != nil {
				body, bodyUnicode = p.body, p.bodyUnicode
			}
			htmlBody, rtf = or(p.html, htmlBody), or(p.rtf, rtf)
			if !p.start.IsZero() {
				t.start = p.start
			}
		}
	}
	switch {
	case len(bytes.TrimSpace(body)) > 0:
		t.text = mapiString(body, bodyUnicode)
	case len(htmlBody) > 0:
		t.html = mapiString(htmlBody, false)
		t.text = htmlToText(t.html)
	case len(rtf) > 0:
		if raw, err := decompressRTF(rtf); err == nil {
			text, html := rtfToText(raw)
			if html != "" {
				t.html, text = html, htmlToText(html)
			}
			t.text = text
		}
	}
	return t
}

func or[T string | []byte](a, b T) T {
	if len(a) > 0 {
		return a
	}
	return b
}

// tnefReader reads little-endian values without ever reading past its buffer.
type tnefReader struct {
	b   []byte
	off int
}

func (r *tnefReader) left() int { return len(r.b) - r.off }

func (r *tnefReader) bytes(n int) ([]byte, bool) {
	if n < 0 || n > r.left() {
		r.off = len(r.b)
		return nil, false
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v, true
}

func (r *tnefReader) skip(n int) { r.bytes(n) }

func (r *tnefReader) u8() (byte, bool) {
	b, ok := r.bytes(1)
	if !ok {
		return 0, false
	}
	return b[0], true
}

func (r *tnefReader) u16() (uint16, bool) {
	b, ok := r.bytes(2)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint16(b), true
}

func (r *tnefReader) u32() (uint32, bool) {
	b, ok := r.bytes(4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

// pad skips to the next multiple of 4 after a value of n bytes.
func (r *tnefReader) pad(n int) { r.skip((4 - n%4) % 4) }

// mapiProps are the MAPI properties a reply needs.
type mapiProps struct {
	class, subject string
	body           []byte
	bodyUnicode    bool
	html, rtf      []byte
	start          time.Time
}

// psetidAppointment is the property set of the appointment's named properties.
var psetidAppointment = []byte{0x02, 0x20, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// readMAPIProps reads an attMAPIProps attribute (MS-OXTNEF 2.1.3.4); it stops at the first
// property it cannot read and keeps those before it.
func readMAPIProps(b []byte) (p mapiProps) {
	r := &tnefReader{b: b}
	count, ok := r.u32()
	if !ok || count > maxMAPIProps {
		return p
	}
	for i := uint32(0); i < count; i++ {
		typ, ok1 := r.u16()
		id, ok2 := r.u16()
		if !ok1 || !ok2 {
			return p
		}
		var named bool
		if id >= 0x8000 {
			guid, ok := r.bytes(16)
			kind, ok2 := r.u32()
			if !ok || !ok2 {
				return p
			}
			if kind == 0 {
				lid, _ := r.u32()
				named = bytes.Equal(guid, psetidAppointment) && lid == 0x820d // PidLidAppointmentStartWhole
			} else {
				n, _ := r.u32()
				r.skip(int(n))
				r.pad(int(n))
			}
		}
		vals, ok := readMAPIValues(r, typ)
		if !ok {
			return p
		}
		if len(vals) == 0 {
			continue
		}
		v := vals[0]
		switch {
		case named && typ == 0x0040:
			p.start = filetime(v)
		case id == 0x001a:
			p.class = mapiString(v, typ == 0x001f)
		case id == 0x0037:
			p.subject = mapiString(v, typ == 0x001f)
		case id == 0x1000:
			p.body, p.bodyUnicode = v, typ == 0x001f
		case id == 0x1013:
			p.html = []byte(mapiString(v, typ == 0x001f))
		case id == 0x1009:
			p.rtf = v
		}
	}
	return p
}

// mapiFixedSize is how many bytes TNEF gives a value of each fixed-size property type
// (MS-OXTNEF 2.1.3.4, an int16 or a boolean padded to 4): int16, int32, float32, float64,
// currency, apptime, error, boolean, int64, time, GUID.
var mapiFixedSize = map[uint16]int{0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8,
	0x000a: 4, 0x000b: 4, 0x0014: 8, 0x0040: 8, 0x0048: 16}

// readMAPIValues reads the value(s) of one property of type typ.
func readMAPIValues(r *tnefReader, typ uint16) ([][]byte, bool) {
	multi := typ&0x1000 != 0
	base := typ &^ 0x1000
	if size, ok := mapiFixedSize[base]; ok {
		n := uint32(1)
		if multi {
			if n, ok = r.u32(); !ok || n > maxMAPIProps {
				return nil, false
			}
		}
		var out [][]byte
		for range n {
			v, ok := r.bytes(size)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	}
	switch base {
	case 0x001e, 0x001f, 0x0102, 0x000d: // string8, unicode, binary, object: counted values
	default:
		return nil, false
	}
	n, ok := r.u32()
	if !ok || n > maxMAPIProps {
		return nil, false
	}
	var out [][]byte
	for range n {
		size, ok := r.u32()
		if !ok {
			return nil, false
		}
		v, ok := r.bytes(int(size))
		if !ok {
			return nil, false
		}
		r.pad(int(size))
		out = append(out, v)
	}
	return out, true
}

// mapiString decodes a string property: UTF-16LE, or 8-bit (Windows-1252 unless UTF-8).
func mapiString(b []byte, unicode bool) string {
	if unicode {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return strings.TrimRight(string(utf16.Decode(u)), "\x00")
	}
	return decodeString8(cString(b))
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// decodeString8 reads an 8-bit string as UTF-8 when it is, else as Windows-1252 (fromLatin),
// as the rest of the reading does.
func decodeString8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return fromLatin([]byte(s))
}

// filetime reads a FILETIME (100 ns since 1601).
func filetime(b []byte) time.Time {
	v := binary.LittleEndian.Uint64(b)
	if v == 0 {
		return time.Time{}
	}
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	if v < epochDiff {
		return time.Time{}
	}
	v -= epochDiff
	return time.Unix(int64(v/1e7), int64(v%1e7)*100).UTC()
}

// tnefDate reads an atpDate: year, month, day, hour, minute, second, weekday as uint16s.
func tnefDate(b []byte) time.Time {
	if len(b) < 12 {
		return time.Time{}
	}
	f := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	if f(0) < 1900 || f(1) < 1 || f(1) > 12 {
		return time.Time{}
	}
	return time.Date(f(0), time.Month(f(1)), f(2), f(3), f(4), f(5), 0, time.UTC)
}

// tnefAnswer reads a meeting response whose answer is only in winmail.dat: its message class
// (IPM.Schedule.Meeting.Resp.Pos, .Neg, .Tent). A winmail.dat that is a meeting response rsvpd
// cannot read, or no TNEF at all, gives ok false; unreadable then says why (the decoder's
// error, or the message class rsvpd does not know), for the review.
func tnefAnswer(m *message) (c *CalendarReply, unreadable string, ok bool) {
	t := m.tnef
	if t == nil {
		return nil, "", false
	}
	if t.err != nil {
		if strings.TrimSpace(m.text) == "" {
			return nil, t.err.Error(), false
		}
		return nil, "", false
	}
	class := strings.ToLower(t.class)
	stat := ""
	switch {
	case strings.HasPrefix(class, "ipm.schedule.meeting.resp.pos"):
		stat = "ACCEPTED"
	case strings.HasPrefix(class, "ipm.schedule.meeting.resp.neg"):
		stat = "DECLINED"
	case strings.HasPrefix(class, "ipm.schedule.meeting.resp.tent"):
		stat = "TENTATIVE"
	case strings.HasPrefix(class, "ipm.schedule.meeting.resp"):
		return nil, t.class + " is not a meeting response rsvpd knows", false
	default:
		return nil, "", false
	}
	return &CalendarReply{Method: "REPLY", PartStat: stat, Attendee: m.from, Start: t.start, FromTNEF: true}, "", true
}
