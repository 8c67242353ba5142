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
	var b strings.Builder
	type group struct{ skip, htmltag bool }
	stack := []group{{}}
	fromHTML, htmlrtf := false, false
	ucSkip := 1 // \uN is followed by this many characters for readers without Unicode
	emit := func(s string) {
		top := stack[len(stack)-1]
		if top.skip && !top.htmltag || htmlrtf && !top.htmltag {
			return
		}
		b.WriteString(s)
	}
	for i := 0; i < len(rtf); {
		c := rtf[i]
		switch {
		case c == '{':
			top := stack[len(stack)-1]
			if len(stack) < 200 {
				stack = append(stack, top)
			}
			i++
		case c == '}':
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			i++
		case c == '\\':
			i++
			if i >= len(rtf) {
				break
			}
			d := rtf[i]
			switch {
			case d == '\'' && i+2 < len(rtf):
				if v, err := strconv.ParseUint(string(rtf[i+1:i+3]), 16, 8); err == nil {
					emit(fromLatin([]byte{byte(v)}))
				}
				i += 3
			case d == '*':
				stack[len(stack)-1].skip = true
				i++
			case isLetter(d):
				j := i
				for j < len(rtf) && isLetter(rtf[j]) && j-i < 32 {
					j++
				}
				word := string(rtf[i:j])
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
				i = k
				switch word {
				case "fromhtml":
					fromHTML = true
				case "htmlrtf":
					htmlrtf = !hasParam || param != "0"
				case "htmltag":
					stack[len(stack)-1].htmltag = true
				case "par", "line":
					emit("\n")
				case "tab":
					emit("\t")
				case "uc":
					ucSkip, _ = strconv.Atoi(param)
				case "u":
					if n, err := strconv.Atoi(param); err == nil {
						if n < 0 {
							n += 65536
						}
						if r := rune(n); utf8.ValidRune(r) {
							emit(string(r))
						}
						i = skipFallback(rtf, i, ucSkip)
					}
				default:
					if rtfSkip[word] {
						stack[len(stack)-1].skip = true
					}
				}
			default: // an escaped symbol: \{ \} \\ and others
				if d == '{' || d == '}' || d == '\\' {
					emit(string(d))
				}
				i++
			}
		case c == '\r' || c == '\n':
			i++
		default:
			j := i
			for j < len(rtf) && rtf[j] != '\\' && rtf[j] != '{' && rtf[j] != '}' && rtf[j] != '\r' && rtf[j] != '\n' {
				j++
			}
			emit(fromLatin(rtf[i:j]))
			i = j
		}
	}
	if fromHTML {
		return "", b.String()
	}
	return b.String(), ""
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
