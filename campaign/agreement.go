package campaign

// AgreementPDF is what the reader found in a PDF attached to a reply: the document a
// returned agreement is. Only a Valid PDF returns the agreement; words without one do not.
type AgreementPDF struct {
	Name   string `json:"name,omitempty"`   // the file name as attached
	Size   int    `json:"size"`             // bytes
	SHA256 string `json:"sha256,omitempty"` // hex, of the bytes as attached
	// Valid: the bytes start with %PDF- and end with a cross-reference that points into the
	// file (a PDF, not a renamed file or one cut short).
	Valid bool `json:"valid"`
	// Signed: the PDF carries a digital signature (a /ByteRange beside /Sig or /Contents). It
	// is noted for the staff, not checked: the staff confirm the agreement.
	Signed bool `json:"signed,omitempty"`
	// Problem says why a file that claims to be a PDF is not one: PDFNotPDF or PDFDamaged.
	Problem string `json:"problem,omitempty"`
}

// Why a file that claims to be a PDF (by its type or name) is not one.
const (
	PDFNotPDF  = "not_pdf" // the bytes do not start with %PDF-
	PDFDamaged = "damaged" // a PDF's header, but no cross-reference at the end: cut short or broken
)

// ReturnsAgreement reports whether p returns an agreement: a PDF that is one.
func (p *AgreementPDF) ReturnsAgreement() bool { return p != nil && p.Valid }
