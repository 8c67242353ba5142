package replies

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/jhillyerd/enmime/v2/mediatype"

	"github.com/rsvpd/rsvpd/campaign"
)

// Anyone can write to the campaign address, so the reading must take time in proportion to
// what it is given, and stop early where no reply ever goes. Every stage is linear in its
// input or works on a bounded part of it; a message past a bound that would make a stage slow
// is recorded at once as too complex to read and goes to a person.
const (
	// maxMessage bounds what is read of one message: mail bigger than this is an
	// attachment carrier, and its first megabytes hold all the text a reply has.
	maxMessage = 16 << 20

	// maxParts bounds the MIME parts of a message: a reply with attachments has a handful, a
	// forwarded thread a few dozen. enmime appends each part to its parent by walking the
	// parent's children, so a message of many parts costs their square (200,000 empty parts
	// took over two minutes).
	maxParts = 2000

	// maxDepth bounds how deep multiparts nest: clients nest three to five (mixed, related,
	// alternative), a forward of a forward a few more. enmime reads a part nested n deep
	// through n boundary readers, so time and memory grow with n times the size (10,000
	// levels took 46 s and 341 MB).
	maxDepth = 25

	// maxHTMLTags bounds the tags of an HTML body turned into text: a long newsletter has a
	// few thousand. x/net/html refuses elements nested deeper than 512 by itself.
	maxHTMLTags = 200_000

	// maxBodyText bounds the decoded body text that quote and signature stripping read: the
	// sender's own words and the quote that follows them fit many times over.
	maxBodyText = 1 << 20

	// maxLine bounds one line of the body as read: a paragraph is one line in many clients'
	// plain text, and none is this long; the rest of a longer line is not read.
	maxLine = 32 << 10

	// maxIntentText bounds the reply text read for its answer (intent, meeting, headcount,
	// dates): a reply says what it answers in its first lines.
	maxIntentText = 64 << 10
)

// MaxMessage is how much of a message Read reads: a caller need not hold more of it.
const MaxMessage = maxMessage

// tooComplex is why a message was not read: the bound it passed, in words (the error) and
// as a reason's note.
type tooComplex struct {
	limit string
	note  campaign.Reason
}

func (e tooComplex) Error() string { return "too complex to read: " + e.limit }

// complexity returns the bound a message or part passed, as a reason's note.
func complexity(code campaign.ReasonCode, n int, limit string) tooComplex {
	return tooComplex{limit: limit, note: campaign.Reason{Code: code, Count: n}}
}

// checkMIMEShape scans the raw message once, before enmime parses it, for more MIME parts or
// deeper nesting than the bounds allow. It follows the boundaries as enmime does (a line
// holding "--boundary" starts a part, "--boundary--" ends the multipart, a part whose header
// declares a multipart opens a level) and counts generously: a line holding any open
// boundary counts, so the scan never finds fewer parts or levels than the parser would make.
func checkMIMEShape(raw []byte) error {
	head, body := splitHead(raw)
	var open [][]byte // "--boundary" of each multipart level, outermost first
	if b := multipartBoundary(contentTypeOf(head)); b != "" {
		open = append(open, []byte("--"+b))
	}
	if len(open) == 0 {
		return nil
	}
	parts := 0
	inHeader := false
	var header []byte
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i+1], body[i+1:]
		} else {
			body = nil
		}
		if inHeader {
			if len(bytes.TrimRight(line, "\r\n")) > 0 {
				if len(header) < 16<<10 {
					header = append(header, line...)
				}
				continue
			}
			inHeader = false
			if b := multipartBoundary(contentTypeOf(header)); b != "" {
				if len(open) >= maxDepth {
					return complexity(campaign.NoteNestedTooDeep, maxDepth, fmt.Sprintf("MIME parts nested more than %d deep", maxDepth))
				}
				open = append(open, []byte("--"+b))
			}
			continue
		}
		if !bytes.Contains(line, []byte("--")) {
			continue
		}
		for k := len(open) - 1; k >= 0; k-- {
			i := bytes.Index(line, open[k])
			if i < 0 {
				continue
			}
			if bytes.HasPrefix(line[i+len(open[k]):], []byte("--")) {
				open = open[:k] // the multipart of level k ends
				break
			}
			open = open[:k+1]
			if parts++; parts > maxParts {
				return complexity(campaign.NoteTooManyParts, maxParts, fmt.Sprintf("more than %d MIME parts", maxParts))
			}
			inHeader, header = true, header[:0]
			break
		}
		if len(open) == 0 {
			return nil
		}
	}
	return nil
}

// splitHead cuts a message at the empty line after its header.
func splitHead(raw []byte) (head, body []byte) {
	end, skip := bytes.Index(raw, []byte("\n\n")), 2
	if crlf := bytes.Index(raw, []byte("\r\n\r\n")); crlf >= 0 && (end < 0 || crlf < end) {
		end, skip = crlf, 4
	}
	if end < 0 {
		return raw, nil
	}
	return raw[:end+1], raw[end+skip:]
}

// contentTypeOf returns the Content-Type field of a header block, unfolded.
func contentTypeOf(head []byte) string {
	var ct strings.Builder
	in := false
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if in {
				ct.Write(line)
			}
			continue
		}
		if in {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(bytes.TrimSpace(name)), "Content-Type") {
			in = true
			ct.Write(value)
		}
	}
	return ct.String()
}

// multipartBoundary returns the boundary of a multipart Content-Type, read with enmime's
// tolerant parser; "" for any other type.
func multipartBoundary(ct string) string {
	if ct == "" || !strings.Contains(strings.ToLower(ct), "multipart/") {
		return ""
	}
	mt, params, _, err := mediatype.Parse(ct)
	if err != nil || !strings.HasPrefix(strings.ToLower(mt), "multipart/") {
		return ""
	}
	for k, v := range params {
		if strings.EqualFold(k, "boundary") {
			return v
		}
	}
	return ""
}

// htmlTooComplex says whether an HTML body has more tags than maxHTMLTags, counting every
// "<" that starts a tag, an end tag, a comment or a declaration.
func htmlTooComplex(src string) bool {
	n := 0
	for i := 0; ; {
		j := strings.IndexByte(src[i:], '<')
		if j < 0 || i+j+1 >= len(src) {
			return false
		}
		i += j + 1
		c := src[i]
		if c == '/' || c == '!' || c == '?' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			if n++; n > maxHTMLTags {
				return true
			}
		}
	}
}

// complexNote is the note of an error that stopped a message or part from being read.
func complexNote(err error) campaign.Reason {
	var tc tooComplex
	if errors.As(err, &tc) {
		return tc.note
	}
	return campaign.Reason{Code: campaign.NoteTooComplex, Detail: err.Error()}
}
