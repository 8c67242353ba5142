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

// Why a file does not return the agreement: the reader finds the first two, Apply the third.
const (
	PDFNotPDF    = "not_pdf"   // the bytes do not start with %PDF-
	PDFDamaged   = "damaged"   // a PDF's header, but no cross-reference at the end: cut short or broken
	PDFUnchanged = "unchanged" // the very PDF rsvpd sent, byte for byte: not signed
)

// ReturnsAgreement reports whether p returns an agreement: a PDF that is one.
func (p *AgreementPDF) ReturnsAgreement() bool { return p != nil && p.Valid }

// returnAgreement applies a message that returns (or says it returns) the agreement. Only a
// message with a valid PDF returns it: the state becomes returned, the invitee gets a receipt
// at once and the staff an item to check and confirm. Words without a PDF (or with a file that
// is not one) change nothing and get a letter asking for the signed PDF; once the agreement
// has come back, such words need no letter. The PDF rsvpd sent, sent back unchanged, is not
// signed: it too gets the request.
func returnAgreement(st *State, a Answer) []Effect {
	unchanged := a.PDF.ReturnsAgreement() && st.AgreementSHA256 != "" && a.PDF.SHA256 == st.AgreementSHA256
	if !a.PDF.ReturnsAgreement() || unchanged {
		if st.Agreement == AgreementReturned || st.Agreement == AgreementConfirmed {
			return nil // "we sent it yesterday": it has come, and the receipt said so
		}
		e := Effect{Kind: EffectAgreementPDFNeeded}
		if a.PDF != nil {
			e.File, e.FileProblem = a.PDF.Name, a.PDF.Problem
		}
		if unchanged {
			e.FileProblem = PDFUnchanged
		}
		return []Effect{e}
	}
	if st.Agreement == AgreementConfirmed {
		// A second copy after the staff confirmed the first: nothing changes, but a person
		// should see whether it differs.
		return []Effect{{Kind: EffectReview, Reason: Reason{Code: ReasonAgreementAgain, Invitee: st.Code,
			Quote: a.PDF.Name, Flag: a.PDF.Signed}}}
	}
	st.Agreement = AgreementReturned
	st.AgreementSigned = a.PDF.Signed
	st.ReturnedSHA256 = a.PDF.SHA256
	return []Effect{
		{Kind: EffectAgreementReceipt, File: a.PDF.Name},
		{Kind: EffectReview, Reason: Reason{Code: ReasonAgreementReturned, Invitee: st.Code, Quote: a.PDF.Name, Flag: a.PDF.Signed}},
	}
}
