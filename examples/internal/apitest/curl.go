package apitest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Command is a curl command of the banner, parsed.
type Command struct {
	// Line is the command as printed.
	Line string
	// Method, URL, Header and Body are the request curl would send.
	Method string
	URL    string
	Header http.Header
	Body   string
	// Want is the status the command's comment promises ("# 200: …").
	Want int
}

// Request builds the request curl would send.
func (c Command) Request() (*http.Request, error) {
	var body io.Reader
	if c.Body != "" {
		body = strings.NewReader(c.Body)
	}
	req, err := http.NewRequest(c.Method, c.URL, body)
	if err != nil {
		return nil, err
	}
	for name, values := range c.Header {
		req.Header[name] = append([]string(nil), values...)
	}
	return req, nil
}

// parseCurl reads a curl command line with the options the banner uses:
// -i, -X METHOD, -H "Name: value", -b "name=value", -d DATA and one URL,
// followed by a comment holding the expected status. Anything else is an
// error, so that a command this parser cannot read as a shell and curl
// would is never accepted.
func parseCurl(line string, env map[string]string) (Command, error) {
	words, comment, err := shellWords(line, env)
	if err != nil {
		return Command{}, err
	}
	c := Command{Line: line, Header: http.Header{}}
	var ok bool
	if c.Want, ok = wantStatus(comment); !ok {
		return Command{}, fmt.Errorf("comment %q does not start with the expected status", comment)
	}
	if len(words) == 0 || words[0] != "curl" {
		return Command{}, errors.New("not a curl command")
	}
	var method string
	var cookies []string
	next := func(i *int, opt string) (string, error) {
		*i++
		if *i >= len(words) {
			return "", fmt.Errorf("%s needs a value", opt)
		}
		return words[*i], nil
	}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-i":
		case "-X", "-H", "-b", "-d":
			v, err := next(&i, w)
			if err != nil {
				return Command{}, err
			}
			switch w {
			case "-X":
				method = v
			case "-H":
				name, value, found := strings.Cut(v, ":")
				if !found || strings.TrimSpace(name) != name || name == "" {
					return Command{}, fmt.Errorf("header %q is not Name: value", v)
				}
				c.Header.Add(name, strings.TrimSpace(value))
			case "-b":
				if !strings.Contains(v, "=") { // curl would read a cookie file
					return Command{}, fmt.Errorf("-b %q is not name=value", v)
				}
				cookies = append(cookies, v)
			case "-d":
				c.Body = v
			}
		default:
			if strings.HasPrefix(w, "-") || c.URL != "" {
				return Command{}, fmt.Errorf("unexpected argument %q", w)
			}
			u, err := url.Parse(w)
			if err != nil || u.Scheme != "http" || u.Host == "" {
				return Command{}, fmt.Errorf("argument %q is not an http URL", w)
			}
			c.URL = w
		}
	}
	if c.URL == "" {
		return Command{}, errors.New("no URL")
	}
	if len(cookies) > 0 {
		c.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	switch {
	case method != "":
		c.Method = method
	case c.Body != "":
		c.Method = http.MethodPost // as curl -d
	default:
		c.Method = http.MethodGet
	}
	if c.Body != "" && c.Header.Get("Content-Type") == "" {
		c.Header.Set("Content-Type", "application/x-www-form-urlencoded") // as curl -d
	}
	return c, nil
}

// shellWords splits a line as a POSIX shell would, for the subset the
// banner prints: words separated by spaces; '…' taken literally; "…" and
// bare words with $NAME expanded from env (an unset name is an error); a
// word starting with # begins a comment, returned without its "# ". Any
// other shell syntax (backslashes, backquotes, ${…}, $(…), globs,
// redirections, ;, &, |) is an error rather than a guess.
func shellWords(line string, env map[string]string) (words []string, comment string, err error) {
	var word strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	expand := func(s string, i int) (int, error) { // s[i] == '$'
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || j > i+1 && s[j] >= '0' && s[j] <= '9') {
			j++
		}
		name := s[i+1 : j]
		if name == "" {
			return 0, fmt.Errorf("unsupported $ at %d", i)
		}
		v, ok := env[name]
		if !ok {
			return 0, fmt.Errorf("$%s is not set by an export line", name)
		}
		word.WriteString(v)
		return j, nil
	}
	for i := 0; i < len(line); {
		ch := line[i]
		switch {
		case ch == ' ':
			flush()
			i++
		case ch == '#' && !inWord:
			return words, strings.TrimPrefix(line[i+1:], " "), nil
		case ch == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, "", errors.New("unterminated '")
			}
			word.WriteString(line[i+1 : i+1+end])
			inWord = true
			i += end + 2
		case ch == '"':
			inWord = true
			i++
			for {
				if i >= len(line) {
					return nil, "", errors.New(`unterminated "`)
				}
				c := line[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' || c == '`' || c == '!' {
					return nil, "", fmt.Errorf("unsupported %q inside double quotes", c)
				}
				if c == '$' {
					if i, err = expand(line, i); err != nil {
						return nil, "", err
					}
					continue
				}
				word.WriteByte(c)
				i++
			}
		case ch == '$':
			inWord = true
			if i, err = expand(line, i); err != nil {
				return nil, "", err
			}
		case strings.IndexByte("\\`;&|<>()*?[]{}~\t!", ch) >= 0:
			return nil, "", fmt.Errorf("unsupported shell character %q", ch)
		default:
			word.WriteByte(ch)
			inWord = true
			i++
		}
	}
	flush()
	return words, "", nil
}

// isShellName reports whether s can name a shell variable.
func isShellName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
