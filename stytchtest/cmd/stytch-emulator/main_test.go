package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/client"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// build compiles the command into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stytch-emulator")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lockedBuffer collects the command's stderr.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// emulator is a running command.
type emulator struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr *lockedBuffer
	line   startupLine
	raw    string
	http   *http.Client
}

// start runs the command and reads its start-up line.
func start(t *testing.T, bin string, args ...string) *emulator {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	e := &emulator{cmd: cmd, stdout: bufio.NewReader(stdout), stderr: &lockedBuffer{}}
	cmd.Stderr = e.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	e.raw, err = e.stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("no start-up line (%v); stderr:\n%s", err, e.stderr)
	}
	dec := json.NewDecoder(strings.NewReader(e.raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e.line); err != nil {
		t.Fatalf("start-up line %q: %v", e.raw, err)
	}
	e.http = &http.Client{Transport: &http.Transport{}}
	if e.line.CAFile != "" {
		pem, err := os.ReadFile(e.line.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			t.Fatalf("%s holds no PEM certificate", e.line.CAFile)
		}
		e.http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	t.Cleanup(e.http.CloseIdleConnections)
	return e
}

// stop signals the command and checks it exits cleanly having printed
// nothing more to stdout.
func (e *emulator) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	e.http.CloseIdleConnections()
	if err := e.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(e.stdout)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Wait(); err != nil {
		t.Fatalf("exit after %v: %v; stderr:\n%s", sig, err, e.stderr)
	}
	if len(rest) != 0 {
		t.Errorf("stdout holds more than the start-up line: %q", rest)
	}
}

func (e *emulator) client(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{ProjectID: e.line.ProjectID, Secret: e.line.Secret, BaseURL: e.line.BaseURL, HTTPClient: e.http})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// admin posts to the admin API and decodes the answer into out.
func (e *emulator) admin(t *testing.T, method, path string, body, out any) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, e.line.BaseURL+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(e.line.ProjectID, e.line.Secret)
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s = %d %s", method, path, res.StatusCode, answer)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		t.Fatal(err)
	}
}

func TestCommand(t *testing.T) {
	bin := build(t)

	t.Run("plain HTTP, admin API, SIGINT", func(t *testing.T) {
		e := start(t, bin, "-addr", "127.0.0.1:0", "-project-id", "project-test-cmd", "-secret", "secret-test-cmd")
		if e.line.ProjectID != "project-test-cmd" || e.line.Secret != "secret-test-cmd" ||
			!strings.HasPrefix(e.line.BaseURL, "http://127.0.0.1:") || strings.HasSuffix(e.line.BaseURL, ":0") || e.line.CAFile != "" {
			t.Fatalf("start-up line = %s", e.raw)
		}
		var user struct {
			UserID string `json:"user_id"`
		}
		e.admin(t, http.MethodPost, "/emulator/users", map[string]any{"email": "ada@example.com", "name": "Ada Lovelace", "roles": []string{"editor"}}, &user)
		var session struct {
			SessionToken string `json:"session_token"`
			SessionJWT   string `json:"session_jwt"`
		}
		e.admin(t, http.MethodPost, "/emulator/sessions", map[string]any{"user_id": user.UserID}, &session)
		resp, err := e.client(t).Authenticate(context.Background(), client.AuthenticateRequest{SessionJWT: session.SessionJWT,
			AuthorizationCheck: &client.AuthorizationCheck{ResourceID: "documents", Action: "create"}})
		if err != nil || resp.Session.UserID != user.UserID || resp.Verdict == nil || resp.Verdict.GrantingRoles[0] != "editor" {
			t.Fatalf("authenticate = %+v, %v", resp, err)
		}
		var clock struct {
			NowUnix int64 `json:"now_unix"`
		}
		e.admin(t, http.MethodPost, "/emulator/clock/advance", map[string]any{"seconds": 7200}, &clock)
		if clock.NowUnix < time.Now().Add(2*time.Hour-time.Minute).Unix() {
			t.Errorf("clock after advancing 2 h = %d", clock.NowUnix)
		}
		_, err = e.client(t).Authenticate(context.Background(), client.AuthenticateRequest{SessionToken: session.SessionToken})
		if !errors.Is(err, client.ErrSessionNotFound) {
			t.Errorf("the 60-minute session outlived 2 hours: %v", err)
		}
		e.stop(t, os.Interrupt)
		logs := e.stderr.String()
		if !strings.Contains(logs, "development and tests only") || !strings.Contains(logs, "route=/emulator/users") {
			t.Errorf("stderr lacks the warning or the request log:\n%s", logs)
		}
		for _, secret := range []string{session.SessionToken, session.SessionJWT, "secret-test-cmd", user.UserID} {
			if strings.Contains(logs, secret) {
				t.Errorf("stderr holds %q", secret)
			}
		}
	})

	t.Run("TLS, SIGTERM", func(t *testing.T) {
		e := start(t, bin, "-addr", "127.0.0.1:0", "-tls")
		if !strings.HasPrefix(e.line.BaseURL, "https://127.0.0.1:") || !strings.HasPrefix(e.line.ProjectID, "project-test-") ||
			!strings.HasPrefix(e.line.Secret, "secret-test-") || e.line.CAFile == "" {
			t.Fatalf("start-up line = %s", e.raw)
		}
		resp, err := e.client(t).GetJWKS(context.Background(), client.GetJWKSRequest{ProjectID: e.line.ProjectID})
		if err != nil || len(resp.Keys) != 1 {
			t.Fatalf("JWKS over TLS = %+v, %v", resp, err)
		}
		e.stop(t, syscall.SIGTERM)
		if _, err := os.Stat(e.line.CAFile); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the CA file outlived the command: %v", err)
		}
	})

	t.Run("policy file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "policy.json")
		policy := `{"roles":[{"role_id":"viewer","description":"","permissions":[{"resource_id":"images","actions":["view"]}]}],
			"resources":[{"resource_id":"images","description":"","actions":["view"]}],"scopes":[]}`
		if err := os.WriteFile(file, []byte(policy), 0o600); err != nil {
			t.Fatal(err)
		}
		e := start(t, bin, "-addr", "127.0.0.1:0", "-policy", file)
		resp, err := e.client(t).GetPolicy(context.Background())
		if err != nil || resp.Policy == nil || len(resp.Policy.Roles) != 1 || resp.Policy.Roles[0].RoleID != "viewer" {
			t.Fatalf("policy = %+v, %v", resp, err)
		}
		e.stop(t, os.Interrupt)
	})

	t.Run("B2B, TLS, policy file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "policy.json")
		policy := `{"roles":[{"role_id":"stytch_member","description":"","permissions":[]},
			{"role_id":"viewer","description":"","permissions":[{"resource_id":"images","actions":["view"]}]}],
			"resources":[{"resource_id":"images","description":"","actions":["view"]}],
			"scopes":[{"scope":"view:images","description":"","permissions":[{"resource_id":"images","actions":["view"]}]}]}`
		if err := os.WriteFile(file, []byte(policy), 0o600); err != nil {
			t.Fatal(err)
		}
		e := start(t, bin, "-b2b", "-tls", "-addr", "127.0.0.1:0", "-project-id", "project-test-b2b", "-secret", "secret-test-b2b", "-policy", file)
		if e.line.ProjectID != "project-test-b2b" || e.line.Secret != "secret-test-b2b" || e.line.CAFile == "" {
			t.Fatalf("start-up line = %s", e.raw)
		}
		var got struct {
			Policy json.RawMessage `json:"policy"`
		}
		e.admin(t, http.MethodGet, "/v1/b2b/rbac/policy", nil, &got)
		var want, served any
		_ = json.Unmarshal([]byte(policy), &want)
		_ = json.Unmarshal(got.Policy, &served)
		if !reflect.DeepEqual(want, served) {
			t.Errorf("GET /v1/b2b/rbac/policy = %s, want the file's policy", got.Policy)
		}
		var org struct {
			Organization struct {
				OrganizationID string `json:"organization_id"`
			} `json:"organization"`
		}
		e.admin(t, http.MethodPost, "/v1/b2b/organizations", map[string]any{"organization_name": "Acme", "organization_slug": "acme"}, &org)
		var member struct {
			MemberID string `json:"member_id"`
		}
		e.admin(t, http.MethodPost, "/v1/b2b/organizations/"+org.Organization.OrganizationID+"/members",
			map[string]any{"email_address": "ada@example.com", "roles": []string{"viewer"}}, &member)
		var session struct {
			SessionToken string `json:"session_token"`
			SessionJWT   string `json:"session_jwt"`
		}
		e.admin(t, http.MethodPost, "/emulator/member_sessions", map[string]any{"organization_id": org.Organization.OrganizationID,
			"member_id": member.MemberID}, &session)
		var auth struct {
			Verdict struct {
				GrantingRoles []string `json:"granting_roles"`
			} `json:"verdict"`
		}
		e.admin(t, http.MethodPost, "/v1/b2b/sessions/authenticate", map[string]any{"session_jwt": session.SessionJWT,
			"authorization_check": map[string]any{"organization_id": org.Organization.OrganizationID, "resource_id": "images", "action": "view"}}, &auth)
		if len(auth.Verdict.GrantingRoles) != 1 || auth.Verdict.GrantingRoles[0] != "viewer" {
			t.Errorf("verdict = %+v", auth.Verdict)
		}
		var m2m struct {
			M2MClient struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			} `json:"m2m_client"`
		}
		e.admin(t, http.MethodPost, "/v1/m2m/clients", map[string]any{"scopes": []string{"view:images"}}, &m2m)
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {m2m.M2MClient.ClientID}, "client_secret": {m2m.M2MClient.ClientSecret}}
		res, err := e.http.PostForm(e.line.BaseURL+"/v1/public/project-test-b2b/oauth2/token", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("token endpoint status %d", res.StatusCode)
		}
		e.stop(t, syscall.SIGTERM)
		logs := e.stderr.String()
		if !strings.Contains(logs, "/v1/b2b/sessions/authenticate") || !strings.Contains(logs, "/oauth2/token") {
			t.Errorf("stderr lacks the request log:\n%s", logs)
		}
		for _, secret := range []string{session.SessionToken, session.SessionJWT, "secret-test-b2b", m2m.M2MClient.ClientSecret} {
			if strings.Contains(logs, secret) {
				t.Errorf("stderr holds %q", secret)
			}
		}
		if _, err := os.Stat(e.line.CAFile); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the CA file outlived the command: %v", err)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		wrapped := filepath.Join(t.TempDir(), "wrapped.json")
		if err := os.WriteFile(wrapped, []byte(`{"policy":{"roles":[]}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		invalid := filepath.Join(t.TempDir(), "invalid.json")
		if err := os.WriteFile(invalid, []byte(`{"resources":[{"resource_id":"stytch_x","actions":["a"]}]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		for name, args := range map[string][]string{
			"a GET answer as policy": {"-addr", "127.0.0.1:0", "-policy", wrapped},
			"an invalid policy":      {"-addr", "127.0.0.1:0", "-policy", invalid},
			"a missing policy file":  {"-addr", "127.0.0.1:0", "-policy", filepath.Join(t.TempDir(), "none.json")},
			"a bad project id":       {"-addr", "127.0.0.1:0", "-project-id", "nope"},
			"an unknown flag":        {"-port", "1"},
			"an argument":            {"serve"},
		} {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			var exit *exec.ExitError
			if err := cmd.Run(); !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Errorf("%s: exit %v, want 1", name, err)
			}
			if stdout.Len() != 0 || stderr.Len() == 0 {
				t.Errorf("%s: stdout %q, stderr %q; want nothing on stdout and the reason on stderr", name, stdout.String(), stderr.String())
			}
		}
	})

	t.Run("help", func(t *testing.T) {
		out, err := exec.Command(bin, "-h").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "127.0.0.1:4010") || !strings.Contains(string(out), "development and tests only") {
			t.Errorf("-h = %v\n%s", err, out)
		}
	})
}
