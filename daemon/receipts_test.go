package daemon

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/agreement"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// replyWithPDF is a reply in words with a file attached, as a mail program sends it.
func replyWithPDF(from, to, msgID, inReplyTo, body, name string, data []byte) string {
	h := reply(from, to, msgID, inReplyTo, "")
	h = h[:strings.Index(h, "Content-Type:")]
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\n"
	}
	b64 := base64.StdEncoding.EncodeToString(data)
	var lines []string
	for len(b64) > 76 {
		lines, b64 = append(lines, b64[:76]), b64[76:]
	}
	lines = append(lines, b64)
	return h + "Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\n" + body +
		"\n--b1\nContent-Type: application/pdf; name=\"" + name + "\"\nContent-Disposition: attachment; filename=\"" + name +
		"\"\nContent-Transfer-Encoding: base64\n\n" + strings.Join(lines, "\n") + "\n--b1--\n"
}

// signedAgreement is the invitee's agreement as rsvpd sends it, with what a signing program
// appends: a signature dictionary in an incremental update.
func signedAgreement(t *testing.T, c *campaign.Campaign, code string) []byte {
	t.Helper()
	inv, _ := c.Invitee(code)
	pdf, err := agreement.Render(agreement.For(c, inv))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(pdf)
	obj := b.Len()
	b.WriteString("\n900 0 obj\n<< /Type /Sig /ByteRange [0 10 20 30] /Contents <00ff> >>\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n900 1\n%010d 00000 n \ntrailer\n<< /Size 901 >>\nstartxref\n%d\n%%%%EOF\n", obj, xref)
	return b.Bytes()
}

// composed renders an invitee's queued row of a kind as the sender would.
func (f *fixture) composed(t *testing.T, code string, kind letters.Kind) (store.Outgoing, letters.Outgoing) {
	t.Helper()
	for _, row := range f.outbox(t, code) {
		if row.Kind == string(kind) {
			o, err := f.e.ComposeRow(context.Background(), row)
			if err != nil {
				t.Fatalf("compose %s: %v", row.Key, err)
			}
			return row, o
		}
	}
	t.Fatalf("no %s queued for %s", kind, code)
	return store.Outgoing{}, letters.Outgoing{}
}

func (f *fixture) kinds(t *testing.T, code string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, row := range f.outbox(t, code) {
		n[row.Kind]++
	}
	return n
}

// TestReturningTheAgreementByMail: words without a PDF count for nothing and get the request
// for the signed PDF, with the agreement attached again; the signed PDF returns it, gets a
// receipt at once in the thread of the message, notes the signature for the staff, and stops
// the agreement nudge; the staff's confirmation writes to the director in the same thread.
func TestReturningTheAgreementByMail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.e.c
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")

	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<w1@horsens.test>", "",
		"Hermed vores underskrevne tilslutningsaftale. Vi tilslutter os."))
	if st := f.state(t, "615"); st.Agreement == campaign.AgreementReturned {
		t.Fatal("words without a PDF returned the agreement")
	}
	if n := len(f.reviews(t)); n != 0 {
		t.Errorf("%d review items for words without a PDF: the letter asking for it is the answer", n)
	}
	row, o := f.composed(t, "615", letters.KindAgreementPDFNeeded)
	if o.AutoSubmitted != "auto-replied" || o.InReplyTo != "w1@horsens.test" && o.InReplyTo != "<w1@horsens.test>" {
		t.Errorf("request for the PDF: Auto-Submitted %q, In-Reply-To %q", o.AutoSubmitted, o.InReplyTo)
	}
	if !strings.Contains(o.Text, "Jeres mail havde ingen PDF vedhæftet.") || len(o.Attachments) != 1 || o.Attachments[0].ContentType != "application/pdf" {
		t.Errorf("request for the PDF (%s) says %q with %d attachments", row.Key, o.Text, len(o.Attachments))
	}

	signed := signedAgreement(t, c, "615")
	f.deliver(t, replyWithPDF("bibliotekschef@horsens.kommune.test", to, "<p1@horsens.test>", "", "Her er aftalen.",
		"aftale-horsens-underskrevet.pdf", signed))
	st := f.state(t, "615")
	if st.Agreement != campaign.AgreementReturned || !st.AgreementSigned || st.ReturnedSHA256 != agreement.Sum(signed) {
		t.Fatalf("after the signed PDF: agreement %s, signed %v, sum %q", st.Agreement, st.AgreementSigned, st.ReturnedSHA256)
	}
	_, o = f.composed(t, "615", letters.KindAgreementReceipt)
	if o.AutoSubmitted != "auto-replied" || !strings.Contains(o.Text, "Vi har modtaget jeres underskrevne tilslutningsaftale (aftale-horsens-underskrevet.pdf).") {
		t.Errorf("receipt: Auto-Submitted %q, text %q", o.AutoSubmitted, o.Text)
	}
	open := f.reviews(t)
	if len(open) != 1 || open[0].Why.Code != campaign.ReasonAgreementReturned || !open[0].Why.Flag {
		t.Fatalf("open items %+v, want the agreement's, noting the signature", open)
	}
	text := f.e.currentLetters().Reasons().Text("da", open[0].Why)
	if !strings.Contains(text, "digitalt underskrevet") || !strings.Contains(text, "indtil da tæller den ikke med") {
		t.Errorf("the staff read %q", text)
	}
	nudge := schedules.Job{Key: "nudge_agreement/615/0", Kind: schedules.KindNudgeAgreement, Invitee: "615"}
	f.update(t, func(tx *store.Tx) error {
		if queued, err := f.e.perform(tx, nudge, f.clock.t); err != nil || queued {
			t.Errorf("agreement nudge after the agreement came back: queued %v, %v", queued, err)
		}
		return nil
	})

	if err := f.e.ConfirmAgreement(ctx, "615", "staff@kombit.test"); err != nil {
		t.Fatal(err)
	}
	_, o = f.composed(t, "615", letters.KindAgreementConfirmed)
	if o.AutoSubmitted != "auto-generated" || !strings.Contains(o.InReplyTo, "p1@horsens.test") ||
		!strings.Contains(o.Text, "Horsens Kommune er dermed tilsluttet projektet") {
		t.Errorf("confirmation: Auto-Submitted %q, In-Reply-To %q, text %q", o.AutoSubmitted, o.InReplyTo, o.Text)
	}
	if n := len(f.reviews(t)); n != 0 {
		t.Errorf("%d items open after the confirmation", n)
	}
	// Words after the agreement came back need no answer.
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<w2@horsens.test>", "",
		"Vi har sendt den underskrevne tilslutningsaftale i går."))
	if n := f.kinds(t, "615"); n["agreement_pdf_needed"] != 1 || n["agreement_receipt"] != 1 || n["agreement_confirmed"] != 1 {
		t.Errorf("letters %v, want one of each", n)
	}
}

// TestTheUnsignedAgreementSentBack: the PDF rsvpd sent, sent back as it was, is not signed.
func TestTheUnsignedAgreementSentBack(t *testing.T) {
	f := newFixture(t)
	c := f.e.c
	inv, _ := c.Invitee("615")
	pdf, err := agreement.Render(agreement.For(c, inv))
	if err != nil {
		t.Fatal(err)
	}
	f.update(t, func(tx *store.Tx) error {
		st := campaign.NewState("615")
		st.Status, st.Agreement, st.AgreementSHA256 = campaign.StatusInvited, campaign.AgreementSent, agreement.Sum(pdf)
		return tx.PutState(st)
	})
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	f.deliver(t, replyWithPDF("bibliotekschef@horsens.kommune.test", to, "<u1@horsens.test>", "", "Vi tilslutter os.",
		AgreementFileName(inv), pdf))
	if st := f.state(t, "615"); st.Agreement != campaign.AgreementSent {
		t.Fatalf("agreement %s after the unsigned PDF came back", st.Agreement)
	}
	_, o := f.composed(t, "615", letters.KindAgreementPDFNeeded)
	if want := "er aftalen, som vi sendte den, uden underskrift."; !strings.Contains(o.Text, want) {
		t.Errorf("the request does not say %q:\n%s", want, o.Text)
	}
}

// TestOneHoldingAnswerPerQuestionThread: a question gets "we will come back to you" at once, in
// its thread; a second question in the same thread gets none, a question in a new thread does.
func TestOneHoldingAnswerPerQuestionThread(t *testing.T) {
	f := newFixture(t)
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	invitation := f.e.signer.MessageID("invitation/615", "615")
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<q1@horsens.test>", invitation,
		"Hvad kommer det til at koste for Horsens om året?"))
	_, o := f.composed(t, "615", letters.KindQuestionAck)
	if o.AutoSubmitted != "auto-replied" || !strings.Contains(o.InReplyTo, "q1@horsens.test") ||
		!strings.Contains(o.Text, "Vi har modtaget jeres spørgsmål og vender tilbage hurtigst muligt.") {
		t.Errorf("holding answer: Auto-Submitted %q, In-Reply-To %q, text %q", o.AutoSubmitted, o.InReplyTo, o.Text)
	}
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<q2@horsens.test>", invitation,
		"Kan vi sende en anden end bibliotekschefen, hvis jeg er forhindret?"))
	if n := f.kinds(t, "615")["question_ack"]; n != 1 {
		t.Errorf("%d holding answers after two questions in one thread, want 1", n)
	}
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<q3@horsens.test>", "",
		"Hvem skal underskrive tilslutningsaftalen hos os?"))
	if n := f.kinds(t, "615")["question_ack"]; n != 2 {
		t.Errorf("%d holding answers after a question in a new thread, want 2", n)
	}
	if n := len(f.reviews(t)); n != 3 {
		t.Errorf("%d review items, want one per question", n)
	}
}
