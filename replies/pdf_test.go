package replies

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/agreement"
	"github.com/rsvpd/rsvpd/campaign"
)

// agreementBytes is the agreement rsvpd sends to invitee 101, as the director receives it.
func agreementBytes(t *testing.T) []byte {
	t.Helper()
	c := testOptions(t).Campaign
	inv, _ := c.Invitee("101")
	pdf, err := agreement.Render(agreement.For(c, inv))
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

// signedCopy appends what a signing program appends to a PDF: an incremental update with a
// signature field's dictionary (/Type /Sig, /ByteRange, /Contents), a cross-reference section
// for it, and a trailer whose startxref points there.
func signedCopy(pdf []byte) []byte {
	var b bytes.Buffer
	b.Write(pdf)
	obj := b.Len()
	b.WriteString("\n900 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 100 200 300] /Contents <" +
		strings.Repeat("0", 4096) + "> /M (D:20120305101500+01'00') >>\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n900 1\n%010d 00000 n \ntrailer\n<< /Size 901 >>\nstartxref\n%d\n%%%%EOF\n", obj, xref)
	return b.Bytes()
}

func TestCheckPDF(t *testing.T) {
	pdf := agreementBytes(t)
	docx := append([]byte("PK\x03\x04"), bytes.Repeat([]byte("word/document.xml "), 50)...)
	for _, tt := range []struct {
		name    string
		data    []byte
		valid   bool
		signed  bool
		problem string
	}{
		{"the agreement as sent", pdf, true, false, ""},
		{"signed with a digital signature", signedCopy(pdf), true, true, ""},
		{"a Word file named .pdf", docx, false, false, campaign.PDFNotPDF},
		{"cut short in transit", pdf[:len(pdf)/2], false, false, campaign.PDFDamaged},
		{"a startxref that points nowhere", append(bytes.Clone(pdf[:len(pdf)-40]), []byte("\nstartxref\n99999999\n%%EOF\n")...), false, false, campaign.PDFDamaged},
		{"a header alone", []byte("%PDF-1.4\n%%EOF\n"), false, false, campaign.PDFDamaged},
		{"empty", nil, false, false, campaign.PDFNotPDF},
		{"a /ByteRange that is no signature's", append(bytes.Clone(pdf), []byte("% /ByteRange\n")...), true, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := checkPDF("aftale.pdf", tt.data)
			if c.Valid != tt.valid || c.Signed != tt.signed || c.Problem != tt.problem {
				t.Errorf("valid %v signed %v problem %q, want %v %v %q", c.Valid, c.Signed, c.Problem, tt.valid, tt.signed, tt.problem)
			}
			if c.Size != len(tt.data) || len(c.SHA256) != 64 || c.Name != "aftale.pdf" {
				t.Errorf("size %d sum %q name %q", c.Size, c.SHA256, c.Name)
			}
		})
	}
	if agreement.Sum(pdf) != checkPDF("x.pdf", pdf).SHA256 {
		t.Error("the sum of a returned PDF is not the agreement's own sum: an unchanged copy would not be recognised")
	}
}

// pdfReply is a reply in words with the given attachments (name, type, bytes), as a mail
// program sends it to the tokened address.
func pdfReply(t *testing.T, opts Options, text string, files ...attachedFile) []byte {
	t.Helper()
	to := opts.Signer.ReplyAddress(opts.Campaign.Organiser.Email, "101")
	var b strings.Builder
	fmt.Fprintf(&b, "From: bibliotekschef@koebenhavn.kommune.test\r\nTo: %s\r\nSubject: SV: Tilslutningsaftale for Københavns Kommune\r\n", to)
	b.WriteString("Message-ID: <pdf-1@koebenhavn.test>\r\nDate: Mon, 5 Mar 2012 10:00:00 +0100\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(text + "\r\n")
	for _, f := range files {
		fmt.Fprintf(&b, "--b1\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
			f.ctype, f.name, f.name, base64.StdEncoding.EncodeToString(f.data))
	}
	b.WriteString("--b1--\r\n")
	return []byte(b.String())
}

type attachedFile struct {
	name, ctype string
	data        []byte
}

// TestReadingReturnedAgreement: a reply's reading carries the checked PDF; words alone carry
// none, a file that only says it is a PDF is reported as not one, and a signed PDF is told
// from an unsigned one whatever order they come in.
func TestReadingReturnedAgreement(t *testing.T) {
	opts := testOptions(t)
	pdf := agreementBytes(t)
	const words = "Hermed vores underskrevne tilslutningsaftale."
	for _, tt := range []struct {
		name    string
		files   []attachedFile
		want    string // "" none, else name/valid/signed
		problem string
	}{
		{"words only", nil, "", ""},
		{"the signed PDF", []attachedFile{{"aftale-underskrevet.pdf", "application/pdf", signedCopy(pdf)}}, "aftale-underskrevet.pdf/true/true", ""},
		{"a scan sent as octet-stream", []attachedFile{{"scan0001", "application/octet-stream", pdf}}, "scan0001/true/false", ""},
		{"a Word file renamed", []attachedFile{{"aftale.pdf", "application/pdf", []byte("PK\x03\x04 not a pdf at all")}}, "aftale.pdf/false/false", campaign.PDFNotPDF},
		{"a broken one and a good one", []attachedFile{
			{"forkert.pdf", "application/pdf", pdf[:100]},
			{"aftale.pdf", "application/pdf", pdf},
			{"aftale-signeret.pdf", "application/pdf", signedCopy(pdf)},
		}, "aftale-signeret.pdf/true/true", ""},
		{"a picture is no PDF", []attachedFile{{"logo.png", "image/png", []byte("\x89PNG\r\n")}}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Read(pdfReply(t, opts, words, tt.files...), opts)
			if r.Answer == nil || r.Answer.Intent != IntentAgreement {
				t.Fatalf("intent %v, want agreement", r.Answer)
			}
			got := ""
			if p := r.Answer.PDF; p != nil {
				got = fmt.Sprintf("%s/%v/%v", p.Name, p.Valid, p.Signed)
				if p.Problem != tt.problem {
					t.Errorf("problem %q, want %q", p.Problem, tt.problem)
				}
			}
			if got != tt.want {
				t.Errorf("PDF %q, want %q", got, tt.want)
			}
		})
	}
}
