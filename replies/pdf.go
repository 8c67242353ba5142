package replies

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
)

// agreementPDF checks the PDFs a message carries and returns the one that returns the
// agreement: the first valid PDF (a signed one before an unsigned one), else the first file
// that claims to be a PDF and is not one (so the answer can say which), else nil. A part claims
// to be a PDF by its type or name; a part that says neither but starts with %PDF- is one too
// (application/octet-stream is common). Parts of an attached message are not the sender's.
func agreementPDF(m *message) *campaign.AgreementPDF {
	var best *campaign.AgreementPDF
	for _, p := range m.parts {
		if insideMessage(p) || !claimsPDF(p) {
			continue
		}
		c := checkPDF(p.FileName, p.Content)
		switch {
		case best == nil,
			c.Valid && !best.Valid,
			c.Valid && c.Signed && !best.Signed:
			best = &c
		}
	}
	return best
}

func claimsPDF(p *enmime.Part) bool {
	return strings.EqualFold(p.ContentType, "application/pdf") ||
		strings.HasSuffix(strings.ToLower(p.FileName), ".pdf") ||
		bytes.HasPrefix(p.Content, pdfHeader)
}

var (
	pdfHeader    = []byte("%PDF-")
	pdfEOF       = []byte("%%EOF")
	pdfStartXref = []byte("startxref")
)

// pdfTail is how far from the end %%EOF and startxref are looked for: the format puts them in
// the last 1024 bytes; some writers add a little more after %%EOF.
const pdfTail = 4096

// checkPDF reads as much of a PDF as it takes to know it is one, in bounded steps: the header
// (%PDF-1.x at the start), and at the end a startxref whose offset lands in the file on a
// cross-reference table ("xref") or a cross-reference stream ("12 0 obj"), and %%EOF. The
// Content-Type is not trusted: a Word file renamed to .pdf fails the first step, a PDF cut
// short in transit the second. A digital signature is noted when the PDF has one.
func checkPDF(name string, b []byte) campaign.AgreementPDF {
	sum := sha256.Sum256(b)
	c := campaign.AgreementPDF{Name: name, Size: len(b), SHA256: hex.EncodeToString(sum[:])}
	switch {
	case !pdfHeaderOK(b):
		c.Problem = campaign.PDFNotPDF
	case !pdfXrefOK(b):
		c.Problem = campaign.PDFDamaged
	default:
		c.Valid, c.Signed = true, pdfSigned(b)
	}
	return c
}

// pdfHeaderOK: "%PDF-" and a version, "1.7" or "2.0".
func pdfHeaderOK(b []byte) bool {
	return len(b) >= 8 && bytes.HasPrefix(b, pdfHeader) && isDigit(b[5]) && b[6] == '.' && isDigit(b[7])
}

// pdfXrefOK finds the last startxref near the end, before an %%EOF, and checks that its
// offset points at a cross-reference section.
func pdfXrefOK(b []byte) bool {
	tail := b[max(0, len(b)-pdfTail):]
	eof := bytes.LastIndex(tail, pdfEOF)
	if eof < 0 {
		return false
	}
	sx := bytes.LastIndex(tail[:eof], pdfStartXref)
	if sx < 0 {
		return false
	}
	rest := bytes.TrimLeft(tail[sx+len(pdfStartXref):eof], " \t\r\n\f\x00")
	off, n := 0, 0
	for n < len(rest) && n < 12 && isDigit(rest[n]) {
		off = off*10 + int(rest[n]-'0')
		n++
	}
	if n == 0 || off >= len(b) {
		return false
	}
	at := bytes.TrimLeft(b[off:min(len(b), off+64)], " \t\r\n\f\x00")
	return bytes.HasPrefix(at, []byte("xref")) || objectHeader(at)
}

// objectHeader: "12 0 obj", where a cross-reference stream starts.
func objectHeader(b []byte) bool {
	f := strings.Fields(string(b))
	return len(f) >= 3 && allDigits(f[0]) && allDigits(f[1]) && strings.HasPrefix(f[2], "obj")
}

// Bounds of the signature scan: how many /ByteRange keys are looked at, and how far around
// each the signature dictionary's other keys are looked for (its /Contents, the signature
// itself in hex, is commonly 8 to 32 KiB and may come before /ByteRange).
const (
	maxByteRanges  = 16
	sigWindowFront = 64 << 10
	sigWindowBack  = 4 << 10
)

// pdfSigned: a signature dictionary, a /ByteRange array of four offsets with /Sig or
// /Contents near it. Signature dictionaries are never compressed (their byte offsets must be
// exact), so a scan of the raw bytes finds them.
func pdfSigned(b []byte) bool {
	key := []byte("/ByteRange")
	from := 0
	for n := 0; n < maxByteRanges; n++ {
		i := bytes.Index(b[from:], key)
		if i < 0 {
			return false
		}
		i += from
		w := b[max(0, i-sigWindowFront):min(len(b), i+sigWindowBack)]
		if byteRange(b[i+len(key):min(len(b), i+len(key)+128)]) &&
			(bytes.Contains(w, []byte("/Sig")) || bytes.Contains(w, []byte("/Contents"))) {
			return true
		}
		from = i + len(key)
	}
	return false
}

// byteRange: "[0 840 960 1240]", the four numbers a signature's /ByteRange holds.
func byteRange(b []byte) bool {
	s := strings.TrimLeft(string(b), " \t\r\n")
	end := strings.IndexByte(s, ']')
	if !strings.HasPrefix(s, "[") || end < 0 {
		return false
	}
	f := strings.Fields(s[1:end])
	if len(f) != 4 {
		return false
	}
	for _, n := range f {
		if !allDigits(n) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
