package apitest

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Banner is what an example printed at start, parsed.
type Banner struct {
	// Text is the banner as printed.
	Text string
	// Router names the router, from the first line.
	Router string
	// URL is the base URL the API listens on.
	URL string
	// Env holds the variables of the export lines.
	Env map[string]string
	// Emulator is the embedded emulator's admin access; nil when the banner
	// names a Stytch project instead.
	Emulator *Emulator
	// Commands are the curl commands, in the order printed.
	Commands []Command
}

// Emulator is how to reach the embedded emulator's admin API.
type Emulator struct {
	URL, ProjectID, Secret string
}

var (
	listenLine   = regexp.MustCompile(`^Documents API \(([^)]+)\) listening on (http://\S+)$`)
	emulatorLine = regexp.MustCompile(`^Stytch: the embedded stytchtest emulator at (http://\S+) `)
	projectLine  = regexp.MustCompile(`^  project id: (\S+)$`)
	secretLine   = regexp.MustCompile(`^  secret: +(\S+)$`)
	statusNote   = regexp.MustCompile(`^(\d{3}): \S`)
)

// ParseBanner reads a banner: the listen line, the emulator's access, the
// export lines and the curl commands (with their expected statuses), the
// commands' $VARIABLES expanded from the export lines, or from override
// when it sets them (to stand in for the placeholders printed when the
// credentials come from elsewhere).
func ParseBanner(text string, override map[string]string) (Banner, error) {
	b := Banner{Text: text, Env: map[string]string{}}
	var emu Emulator
	for _, line := range strings.Split(text, "\n") {
		switch {
		case listenLine.MatchString(line):
			m := listenLine.FindStringSubmatch(line)
			b.Router, b.URL = m[1], m[2]
		case emulatorLine.MatchString(line):
			emu.URL = emulatorLine.FindStringSubmatch(line)[1]
		case projectLine.MatchString(line):
			emu.ProjectID = projectLine.FindStringSubmatch(line)[1]
		case secretLine.MatchString(line):
			emu.Secret = secretLine.FindStringSubmatch(line)[1]
		case strings.HasPrefix(line, "export "):
			words, _, err := shellWords(line, nil)
			if err != nil {
				return Banner{}, fmt.Errorf("%q: %w", line, err)
			}
			name, value, ok := strings.Cut(strings.Join(words[1:], " "), "=")
			if len(words) != 2 || !ok || !isShellName(name) {
				return Banner{}, fmt.Errorf("%q: want export NAME=VALUE", line)
			}
			b.Env[name] = value
			if v, ok := override[name]; ok {
				b.Env[name] = v
			}
		case strings.HasPrefix(line, "curl "):
			c, err := parseCurl(line, b.Env)
			if err != nil {
				return Banner{}, fmt.Errorf("%q: %w", line, err)
			}
			b.Commands = append(b.Commands, c)
		}
	}
	if b.URL == "" {
		return Banner{}, errors.New("no listen line")
	}
	switch {
	case emu == Emulator{}:
	case emu.URL == "" || emu.ProjectID == "" || emu.Secret == "":
		return Banner{}, fmt.Errorf("incomplete emulator access %+v", emu)
	default:
		b.Emulator = &emu
	}
	return b, nil
}

// wantStatus reads the status a command's comment promises: "200: …".
func wantStatus(comment string) (int, bool) {
	m := statusNote.FindStringSubmatch(comment)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, true
}
