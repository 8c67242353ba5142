package simulate

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var (
	trailerSize = regexp.MustCompile(`/Size\s+(\d+)`)
	trailerRoot = regexp.MustCompile(`/Root\s+(\d+\s+\d+\s+R)`)
	startXref   = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
)

// SignPDF appends to a PDF what a program that signs it appends: an incremental update with
// a signature dictionary (digital), or with an ink annotation (signed by hand on the screen,
// no digital signature), its cross-reference section and a trailer pointing back to the
// previous one. The signature signs nothing: a simulation needs only what a reader of the
// PDF sees (rsvpd notes a digital signature, it does not verify one).
func SignPDF(pdf []byte, digital bool, at time.Time) []byte {
	tail := pdf[max(0, len(pdf)-2048):]
	size, root, prev := 1, "1 0 R", 0
	if m := trailerSize.FindAllSubmatch(tail, -1); len(m) > 0 {
		size, _ = strconv.Atoi(string(m[len(m)-1][1]))
	}
	if m := trailerRoot.FindAllSubmatch(tail, -1); len(m) > 0 {
		root = string(m[len(m)-1][1])
	}
	if m := startXref.FindSubmatch(tail); m != nil {
		prev, _ = strconv.Atoi(string(m[1]))
	}
	var b bytes.Buffer
	b.Write(pdf)
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		b.WriteByte('\n')
	}
	obj, stamp := b.Len(), at.UTC().Format("20060102150405")
	if digital {
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /M (D:%sZ) /ByteRange [0 0 0 0] /Contents <%0512x> >>\nendobj\n",
			size, stamp, 0)
	} else {
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /Annot /Subtype /Ink /Rect [60 60 220 110] /M (D:%sZ) /InkList [[70 80 120 95 170 75 210 90]] >>\nendobj\n",
			size, stamp)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		size, obj, size+1, root, prev, xref)
	return b.Bytes()
}
