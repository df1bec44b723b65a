package readme_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the module's root, where README.md lives.
var root = filepath.Join("..", "..")

// readFile reads a file of the module, relative to its root.
func readFile(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		tb.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

// block is a fenced code block of a Markdown document that follows a marker
// comment <!-- readme: NAME -->.
type block struct {
	lang string // the fence's info string: sh, json, go, js
	text string // the lines between the fences, each ending in "\n"
	// start and end are byte offsets of text in the document, so that the
	// block can be rewritten in place.
	start, end int
}

// markedBlock finds the code block after <!-- readme: name --> in doc.
func markedBlock(doc, name string) (block, error) {
	marker := "<!-- readme: " + name + " -->\n"
	i := strings.Index(doc, marker)
	if i < 0 {
		return block{}, fmt.Errorf("no %q marker", strings.TrimSpace(marker))
	}
	if strings.Count(doc, marker) > 1 {
		return block{}, fmt.Errorf("the marker %q appears twice", strings.TrimSpace(marker))
	}
	rest := doc[i+len(marker):]
	for strings.HasPrefix(rest, "\n") {
		rest = rest[1:]
	}
	if !strings.HasPrefix(rest, "```") {
		return block{}, fmt.Errorf("marker %q is not followed by a code block", name)
	}
	open, _, ok := strings.Cut(rest, "\n")
	if !ok {
		return block{}, fmt.Errorf("marker %q: unterminated code block", name)
	}
	start := len(doc) - len(rest) + len(open) + 1
	end := strings.Index(doc[start:], "\n```")
	if end < 0 {
		return block{}, fmt.Errorf("marker %q: unterminated code block", name)
	}
	end += start + 1
	return block{lang: strings.TrimPrefix(open, "```"), text: doc[start:end], start: start, end: end}, nil
}

// readmeBlock returns the README's block after the marker name.
func readmeBlock(tb testing.TB, name string) block {
	tb.Helper()
	b, err := markedBlock(readFile(tb, "README.md"), name)
	if err != nil {
		tb.Fatalf("README.md: %v", err)
	}
	return b
}

// rewriteReadmeBlock replaces the text of the README's block after the
// marker name (with -update).
func rewriteReadmeBlock(tb testing.TB, name, text string) {
	tb.Helper()
	doc := readFile(tb, "README.md")
	b, err := markedBlock(doc, name)
	if err != nil {
		tb.Fatalf("README.md: %v", err)
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	out := doc[:b.start] + text + doc[b.end:]
	if err := os.WriteFile(filepath.Join(root, "README.md"), []byte(out), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestMarkedBlock(t *testing.T) {
	doc := "intro\n<!-- readme: a -->\n```sh\necho 1\necho 2\n```\n\n<!-- readme: b -->\n\n```json\n{}\n```\n<!-- readme: c -->\ntext\n"
	cases := []struct {
		name, lang, text, err string
	}{
		{name: "a", lang: "sh", text: "echo 1\necho 2\n"},
		{name: "b", lang: "json", text: "{}\n"},
		{name: "c", err: `marker "c" is not followed by a code block`},
		{name: "d", err: `no "<!-- readme: d -->" marker`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := markedBlock(doc, c.name)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("markedBlock(%q) error = %v, want %q", c.name, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.lang != c.lang || b.text != c.text {
				t.Errorf("markedBlock(%q) = %q %q, want %q %q", c.name, b.lang, b.text, c.lang, c.text)
			}
			if got := doc[b.start:b.end]; got != c.text {
				t.Errorf("doc[start:end] = %q, want %q", got, c.text)
			}
		})
	}
}

// shellWords splits a shell command line the way sh does for the simple
// commands the README shows: single and double quotes, backslash-newline
// continuations, and # comments.
func shellWords(s string) ([]string, error) {
	s = strings.ReplaceAll(s, "\\\n", " ")
	var words []string
	var w bytes.Buffer
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unterminated %c quote in %q", c, s)
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '\\' && i+1 < len(s):
			w.WriteByte(s[i+1])
			i++
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

func TestShellWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"go run ./cmd/x --a 1   # a comment", []string{"go", "run", "./cmd/x", "--a", "1"}},
		{"curl -H 'A: b c' \\\n  'http://h/p(x=1,y=2)?$top=2'", []string{"curl", "-H", "A: b c", "http://h/p(x=1,y=2)?$top=2"}},
		{`echo "a b"c`, []string{"echo", "a bc"}},
		{"a#b", []string{"a#b"}},
	}
	for _, c := range cases {
		got, err := shellWords(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("shellWords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
