package main

import (
	"bytes"
	"context"
	"mime"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
)

func TestPreviewExampleCampaign(t *testing.T) {
	const secret = "preview-test-secret"
	t.Setenv("RSVPD_SECRET", secret) // the example reads it; no secret file is written
	cfgPath := filepath.Join("..", "..", "config.example.yaml")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "preview")
	var stdout, stderr bytes.Buffer
	if rc := runPreview(context.Background(), []string{"--config", cfgPath, "--out", out}, &stdout, &stderr); rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr.String())
	}
	if want := "Wrote 98 invitations and 20 sample letters to " + out + " (118 .eml files)"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output %q lacks %q", stdout.String(), want)
	}
	files, err := filepath.Glob(filepath.Join(out, "*.eml"))
	if err != nil || len(files) != 118 {
		t.Fatalf("%d .eml files (%v), want 118", len(files), err)
	}

	signer := campaign.NewSigner([]byte(secret), "kombit.test")
	dec := new(mime.WordDecoder)
	for _, inv := range cfg.Campaign.Invitees {
		raw, err := os.ReadFile(filepath.Join(out, inv.Code+"-invitation.eml"))
		if err != nil {
			t.Fatalf("invitation of %s %s: %v", inv.Code, inv.Name, err)
		}
		msg, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", inv.Code, err)
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != inv.Email {
			t.Errorf("%s: To %v (%v), want only %s", inv.Code, to, err, inv.Email)
		}
		rt, err := msg.Header.AddressList("Reply-To")
		if err != nil || len(rt) != 1 {
			t.Fatalf("%s: Reply-To %v (%v)", inv.Code, rt, err)
		}
		if code, ok := signer.TokenFromAddress(rt[0].Address); !ok || code != inv.Code {
			t.Errorf("%s: Reply-To %s carries the token of %q", inv.Code, rt[0].Address, code)
		}
		if a := msg.Header.Get("Auto-Submitted"); a != "" {
			t.Errorf("%s: the invitation carries Auto-Submitted %q: out-of-office replies would not come back", inv.Code, a)
		}
		if code, ok := signer.VerifyMessageID(msg.Header.Get("Message-Id")); !ok || code != inv.Code {
			t.Errorf("%s: Message-ID %s is not this invitee's", inv.Code, msg.Header.Get("Message-Id"))
		}
		if s, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || s != "Invitation til dialogmøde om det nye fælles bibliotekssystem" {
			t.Errorf("%s: subject %q (%v)", inv.Code, s, err)
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", inv.Code, err)
		}
		if !strings.Contains(env.Text, "Kære bibliotekschef i "+inv.FormalName) || !strings.Contains(env.HTML, "Kære bibliotekschef i "+inv.FormalName) {
			t.Errorf("%s: the invitation does not greet %s", inv.Code, inv.FormalName)
		}
	}

	samples := []struct {
		file  string
		parts []string // content types that must be in the message
		text  string   // a phrase of the plain text
	}{
		{"101-confirmation.eml", []string{"text/calendar; method=REQUEST", "invite.ics"}, "Med denne mail følger en kalenderinvitation"},
		{"101-change.eml", []string{"text/calendar; method=REQUEST", "invite.ics"}, "Kalenderaftalen for mødet i Aalborg aflyses i en særskilt mail"},
		{"101-calendar_cancel.eml", []string{"text/calendar; method=CANCEL", "cancel.ics"}, "Med denne mail følger en aflysning af kalenderaftalen for mødet i Aalborg"},
		{"101-cancel_ack.eml", []string{"text/calendar; method=CANCEL"}, "Med denne mail følger en aflysning af kalenderaftalen"},
		{"101-agreement.eml", []string{"application/pdf", "tilslutningsaftale-101-koebenhavn.pdf"}, "Kommunens betaling er 3.843.350 kr. pr. år ekskl. moms."},
		{"101-nudge_agreement.eml", []string{"application/pdf"}, "Aftalen er vedhæftet igen."},
		{"101-agreement_pdf_needed.eml", []string{"application/pdf", "Auto-Submitted: auto-replied"}, "Jeres mail havde ingen PDF vedhæftet."},
		{"101-agreement_receipt.eml", []string{"Auto-Submitted: auto-replied"}, "Vi har modtaget jeres underskrevne tilslutningsaftale"},
		{"101-agreement_confirmed.eml", []string{"Auto-Submitted: auto-generated"}, "Københavns Kommune er dermed tilsluttet projektet"},
		{"101-question_ack.eml", []string{"Auto-Submitted: auto-replied"}, "Vi har modtaget jeres spørgsmål og vender tilbage"},
		{"101-decline_ack.eml", nil, "ikke deltager i nogen af møderne"},
		{"101-reminder.eml", nil, "Vi glæder os til at se jer til mødet i Vejle."},
		{"101-nudge_unanswered.eml", nil, "Møderne nærmer sig, og vi sender derfor invitationen igen."},
		{"staff-staff_review.eml", []string{"message/rfc822", "original-1.eml"}, "kunne rsvpd ikke afgøre selv"},
		{"staff-digest.eml", nil, "TILMELDTE PR. MØDE"},
	}
	for _, s := range samples {
		raw, err := os.ReadFile(filepath.Join(out, s.file))
		if err != nil {
			t.Errorf("sample missing: %v", err)
			continue
		}
		for _, p := range s.parts {
			if !bytes.Contains(raw, []byte(p)) {
				t.Errorf("%s lacks %q", s.file, p)
			}
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		if !strings.Contains(env.Text, s.text) {
			t.Errorf("%s: text lacks %q", s.file, s.text)
		}
		for _, a := range env.Attachments {
			if a.ContentType == "application/pdf" && !bytes.HasPrefix(a.Content, []byte("%PDF-")) {
				t.Errorf("%s: the PDF attachment is not a PDF", s.file)
			}
		}
		if strings.HasPrefix(s.file, "staff-") {
			if to := env.GetHeader("To"); !strings.Contains(to, "staff@kombit.test") {
				t.Errorf("%s goes to %q, want the staff", s.file, to)
			}
			if env.GetHeader("Reply-To") != "" {
				t.Errorf("%s has a Reply-To with a token", s.file)
			}
		}
	}
	// One calendar method per message: the change letter carries the new entry only.
	if raw, _ := os.ReadFile(filepath.Join(out, "101-change.eml")); bytes.Contains(raw, []byte("method=CANCEL")) {
		t.Error("101-change.eml carries a CANCEL beside its REQUEST")
	}
	raw, _ := os.ReadFile(filepath.Join(out, "staff-digest.eml"))
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var chart, csv bool
	for _, p := range append(env.Inlines, env.OtherParts...) {
		if p.ContentType == "image/png" && strings.Contains(env.HTML, "cid:"+p.ContentID) {
			chart = true
		}
	}
	for _, a := range env.Attachments {
		csv = csv || strings.HasPrefix(a.ContentType, "text/csv")
	}
	if !chart || !csv {
		t.Errorf("the digest sample carries chart %v (shown in the HTML) and CSV %v, want both", chart, csv)
	}
}

func TestPreviewRefuses(t *testing.T) {
	t.Setenv("RSVPD_SECRET", "x")
	cfgPath := filepath.Join("..", "..", "config.example.yaml")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("campaign:\n  titel: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no --out", []string{"--config", cfgPath}, "--out DIR is required"},
		{"no --config", []string{"--out", t.TempDir()}, "--config FILE is required"},
		{"invalid config", []string{"--config", bad, "--out", t.TempDir()}, "bad.yaml"},
		{"unknown flag", []string{"--send"}, "flag provided but not defined"},
		{"unknown language", []string{"--config", cfgPath, "--out", t.TempDir(), "--lang", "sv"}, `--lang "sv"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if rc := runPreview(context.Background(), tc.args, &stdout, &stderr); rc != 2 {
				t.Errorf("exit %d, want 2", rc)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
}

// TestPreviewTemplateFolder: the config's template folder is used, relative to the config
// file, and a broken template stops preview with its file and line.
func TestPreviewTemplateFolder(t *testing.T) {
	t.Setenv("RSVPD_SECRET", "x")
	dir := t.TempDir()
	example, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join("..", "..", "municipalities-2012.csv"))
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(example), "\ntemplates: \"\"\n", "\ntemplates: breve\n", 1)
	if conf == string(example) {
		t.Fatal("the example no longer has `templates: \"\"`: update this test")
	}
	for name, data := range map[string]string{"c.yaml": conf, "municipalities-2012.csv": string(csv),
		"breve/invitation.da.subject": "Kom til møde i {{.Invitee.Name}}s nabolag"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if rc := runPreview(context.Background(), []string{"--config", filepath.Join(dir, "c.yaml"), "--out", out, "--lang", "da"}, &stdout, &stderr); rc != 0 {
		t.Fatalf("exit %d: %s", rc, stderr.String())
	}
	raw, _ := os.ReadFile(filepath.Join(out, "615-invitation.eml"))
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil || env.GetHeader("Subject") != "Kom til møde i Horsenss nabolag" {
		t.Errorf("subject %q (%v): the folder's template was not used", env.GetHeader("Subject"), err)
	}

	if err := os.WriteFile(filepath.Join(dir, "breve", "reminder.en.txt"), []byte("Dear\n{{range .Nope}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if rc := runPreview(context.Background(), []string{"--config", filepath.Join(dir, "c.yaml"), "--out", out}, &stdout, &stderr); rc != 2 {
		t.Errorf("broken template: exit %d, want 2", rc)
	}
	if !strings.Contains(stderr.String(), filepath.Join(dir, "breve", "reminder.en.txt")+":") {
		t.Errorf("stderr %q does not name the broken file", stderr.String())
	}
}
