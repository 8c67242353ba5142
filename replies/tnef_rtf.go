package replies

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// lzfuPrebuf is the dictionary compressed RTF starts with (MS-OXRTFCP 2.1.2.1).
const lzfuPrebuf = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

// decompressRTF expands PidTagRtfCompressed (MS-OXRTFCP), at most maxRTF bytes.
func decompressRTF(b []byte) ([]byte, error) {
	if len(b) < 16 {
		return nil, errors.New("compressed RTF too short")
	}
	rawSize := binary.LittleEndian.Uint32(b[4:])
	kind := binary.LittleEndian.Uint32(b[8:])
	data := b[16:]
	switch kind {
	case 0x414c454d: // "MELA": stored uncompressed
		if int(rawSize) < len(data) {
			data = data[:rawSize]
		}
		return data, nil
	case 0x75465a4c: // "LZFu"
	default:
		return nil, errors.New("unknown RTF compression")
	}
	limit := min(int(rawSize), maxRTF)
	var dict [4096]byte
	copy(dict[:], lzfuPrebuf)
	w := len(lzfuPrebuf)
	out := make([]byte, 0, min(limit, 1<<20))
	for i := 0; i < len(data) && len(out) < limit; {
		control := data[i]
		i++
		for bit := 0; bit < 8 && i < len(data) && len(out) < limit; bit++ {
			if control&(1<<bit) == 0 {
				c := data[i]
				i++
				out = append(out, c)
				dict[w] = c
				w = (w + 1) % 4096
				continue
			}
			if i+1 >= len(data) {
				return out, nil
			}
			ref := int(data[i])<<8 | int(data[i+1])
			i += 2
			off, n := ref>>4, ref&0xf+2
			if off == w {
				return out, nil // the end marker
			}
			for k := 0; k < n && len(out) < limit; k++ {
				c := dict[(off+k)%4096]
				out = append(out, c)
				dict[w] = c
				w = (w + 1) % 4096
			}
		}
	}
	return out, nil
}

// rtfSkip are destinations whose text is not the message's.
var rtfSkip = map[string]bool{"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true,
	"pict": true, "object": true, "header": true, "footer": true, "listtable": true,
	"listoverridetable": true, "rsidtbl": true, "generator": true, "xmlnstbl": true, "themedata": true,
	"datastore": true, "latentstyles": true, "mmathPr": true, "pgdsctbl": true, "filetbl": true}

// rtfToText reads RTF's text in one pass. Outlook's HTML mail is RTF that encapsulates the HTML
// (\fromhtml1, MS-OXRTFEX): then the HTML (its \htmltag groups and the text outside
// \htmlrtf) is returned instead, for htmlToText.
func rtfToText(rtf []byte) (text, html string) {
	r := &rtfReader{rtf: rtf, stack: []rtfGroup{{}}, ucSkip: 1}
	for r.i < len(rtf) {
		switch c := rtf[r.i]; {
		case c == '{':
			if len(r.stack) < 200 {
				r.stack = append(r.stack, r.stack[len(r.stack)-1])
			}
			r.i++
		case c == '}':
			if len(r.stack) > 1 {
				r.stack = r.stack[:len(r.stack)-1]
			}
			r.i++
		case c == '\\':
			r.i++
			r.control()
		case c == '\r' || c == '\n':
			r.i++
		default:
			j := r.i
			for j < len(rtf) && rtf[j] != '\\' && rtf[j] != '{' && rtf[j] != '}' && rtf[j] != '\r' && rtf[j] != '\n' {
				j++
			}
			r.emit(fromLatin(rtf[r.i:j]))
			r.i = j
		}
	}
	if r.fromHTML {
		return "", r.b.String()
	}
	return r.b.String(), ""
}

// rtfGroup is what a {group} says of the text in it.
type rtfGroup struct{ skip, htmltag bool }

// rtfReader is rtfToText's position and state.
type rtfReader struct {
	rtf               []byte
	i                 int
	b                 strings.Builder
	stack             []rtfGroup
	fromHTML, htmlrtf bool
	ucSkip            int // \uN is followed by this many characters for readers without Unicode
}

// emit writes text unless the group it is in is skipped.
func (r *rtfReader) emit(s string) {
	top := r.stack[len(r.stack)-1]
	if top.skip && !top.htmltag || r.htmlrtf && !top.htmltag {
		return
	}
	r.b.WriteString(s)
}

// control reads what follows a backslash: a hex byte, an ignorable destination, a control
// word, or an escaped symbol.
func (r *rtfReader) control() {
	rtf := r.rtf
	if r.i >= len(rtf) {
		return
	}
	switch d := rtf[r.i]; {
	case d == '\'' && r.i+2 < len(rtf):
		if v, err := strconv.ParseUint(string(rtf[r.i+1:r.i+3]), 16, 8); err == nil {
			r.emit(fromLatin([]byte{byte(v)}))
		}
		r.i += 3
	case d == '*':
		r.stack[len(r.stack)-1].skip = true
		r.i++
	case isLetter(d):
		r.word()
	default: // an escaped symbol: \{ \} \\ and others
		if d == '{' || d == '}' || d == '\\' {
			r.emit(string(d))
		}
		r.i++
	}
}

// word reads a control word with its parameter and acts on it.
func (r *rtfReader) word() {
	rtf := r.rtf
	j := r.i
	for j < len(rtf) && isLetter(rtf[j]) && j-r.i < 32 {
		j++
	}
	word := string(rtf[r.i:j])
	k := j
	if k < len(rtf) && rtf[k] == '-' {
		k++
	}
	for k < len(rtf) && rtf[k] >= '0' && rtf[k] <= '9' && k-j < 11 {
		k++
	}
	param, hasParam := string(rtf[j:k]), k > j
	if k < len(rtf) && rtf[k] == ' ' {
		k++
	}
	r.i = k
	switch word {
	case "fromhtml":
		r.fromHTML = true
	case "htmlrtf":
		r.htmlrtf = !hasParam || param != "0"
	case "htmltag":
		r.stack[len(r.stack)-1].htmltag = true
	case "par", "line":
		r.emit("\n")
	case "tab":
		r.emit("\t")
	case "uc":
		r.ucSkip, _ = strconv.Atoi(param)
	case "u":
		if n, err := strconv.Atoi(param); err == nil {
			if n < 0 {
				n += 65536
			}
			if u := rune(n); utf8.ValidRune(u) {
				r.emit(string(u))
			}
			r.i = skipFallback(rtf, r.i, r.ucSkip)
		}
	default:
		if rtfSkip[word] {
			r.stack[len(r.stack)-1].skip = true
		}
	}
}

// skipFallback skips the n characters a \uN is followed by: a byte, or a \'hh escape.
func skipFallback(rtf []byte, i, n int) int {
	for ; n > 0 && i < len(rtf); n-- {
		switch {
		case rtf[i] == '\\' && i+1 < len(rtf) && rtf[i+1] == '\'':
			i += 4
		case rtf[i] == '\\' || rtf[i] == '{' || rtf[i] == '}':
			return i
		default:
			i++
		}
	}
	return min(i, len(rtf))
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
