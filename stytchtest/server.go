package stytchtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stytchmw/stytchmw/client"
)

// Config configures an emulator. Every field is optional.
type Config struct {
	// ProjectID is the project id to emulate (default: a new
	// project-test-<uuid>). The ids the emulator generates carry its
	// environment: user-test-… for project-test-…, user-live-… for
	// project-live-….
	ProjectID string
	// Secret is the API secret the emulator accepts (default: a new
	// secret-test-… or secret-live-…).
	Secret string
	// Addr is the address to listen on (default 127.0.0.1:0, a free
	// loopback port).
	Addr string
	// Policy is the RBAC policy to serve (default DefaultPolicy(), or
	// DefaultB2BPolicy() with B2B).
	Policy *client.Policy
	// Now starts the clock at a fixed time that moves only with Advance.
	// When zero, the clock follows the real time (plus every Advance).
	Now time.Time
	// TLS serves HTTPS with a certificate for 127.0.0.1, ::1 and localhost,
	// issued by a CA generated at start (see CACertificatePEM).
	TLS bool
	// B2B serves a Stytch B2B project (organizations, members, member
	// sessions, organization policies) instead of a consumer project (users
	// and their sessions). Both kinds serve M2M clients and tokens.
	B2B bool
	// Logger receives one line per request (method, route, status, duration;
	// never a token or a query string). Default: no logging.
	Logger *slog.Logger
}

// Server is a Stytch emulator serving over real HTTP on loopback, like
// httptest.Server. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the emulator, such as http://127.0.0.1:41234:
	// the client's BaseURL.
	URL string
	// ProjectID and Secret are the credentials the emulator accepts.
	ProjectID string
	Secret    string

	env        string // "test" or "live"
	logger     *slog.Logger
	clock      *clock
	tokenKey   [32]byte
	idHash     [sha256.Size]byte
	secretHash [sha256.Size]byte
	routes     []*route
	b2b        bool

	listener   net.Listener
	server     *http.Server
	served     chan struct{} // closed when Serve has returned
	closing    chan struct{} // closed when Close begins
	closeOnce  sync.Once
	transport  *http.Transport
	httpClient *http.Client
	apiClient  *client.Client
	caPEM      []byte

	mu                sync.Mutex
	keys              []*signingKey // served keys, oldest first; the last signs
	policy            client.Policy
	users             map[string]*client.User
	usersByEmail      map[string]string // lower-cased email → user id
	usersByExternalID map[string]string // external_id → user id
	sessions          map[string]*session
	sessionsByToken   map[[sha256.Size]byte]*session
	userSessions      map[string][]string // user id → session ids, oldest first
	external          map[[sha256.Size]byte]*externalToken
	orgs              map[string]*organization
	orgsBySlug        map[string]string // slug → organization id
	members           map[string]*member
	membersByEmail    map[string]string // memberEmailKey → member id
	m2mClients        map[string]*m2mClient
	accessTokens      map[string]*connectedAppToken // Connected Apps tokens by jti
	faults            map[Endpoint]*Fault
	counts            map[Endpoint]int
}

// NewServer starts an emulator, like httptest.NewServer. It panics if it
// cannot (a bad Config or no port to listen on); StartServer returns the
// error instead. Call Close when done.
func NewServer(cfg Config) *Server {
	s, err := StartServer(cfg)
	if err != nil {
		panic(err)
	}
	return s
}

// StartServer starts an emulator. Call Close when done.
func StartServer(cfg Config) (*Server, error) {
	s := &Server{
		ProjectID:         cfg.ProjectID,
		Secret:            cfg.Secret,
		logger:            cfg.Logger,
		b2b:               cfg.B2B,
		clock:             newClock(cfg.Now),
		served:            make(chan struct{}),
		closing:           make(chan struct{}),
		users:             map[string]*client.User{},
		usersByEmail:      map[string]string{},
		usersByExternalID: map[string]string{},
		sessions:          map[string]*session{},
		sessionsByToken:   map[[sha256.Size]byte]*session{},
		userSessions:      map[string][]string{},
		external:          map[[sha256.Size]byte]*externalToken{},
		orgs:              map[string]*organization{},
		orgsBySlug:        map[string]string{},
		members:           map[string]*member{},
		membersByEmail:    map[string]string{},
		m2mClients:        map[string]*m2mClient{},
		accessTokens:      map[string]*connectedAppToken{},
		faults:            map[Endpoint]*Fault{},
		counts:            map[Endpoint]int{},
	}
	if s.ProjectID == "" {
		s.ProjectID = "project-test-" + newUUID()
	}
	s.env = environment(s.ProjectID)
	if s.Secret == "" {
		s.Secret = newSecret(s.env)
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	// client.New checks the credentials as strictly as the client will.
	if _, err := client.New(client.Config{ProjectID: s.ProjectID, Secret: s.Secret}); err != nil {
		return nil, fmt.Errorf("stytchtest: %w", err)
	}
	s.idHash, s.secretHash = sha256.Sum256([]byte(s.ProjectID)), sha256.Sum256([]byte(s.Secret))
	_, _ = rand.Read(s.tokenKey[:])
	s.policy = DefaultPolicy()
	if s.b2b {
		s.policy = DefaultB2BPolicy()
	}
	if cfg.Policy != nil {
		if err := validatePolicy(*cfg.Policy); err != nil {
			return nil, fmt.Errorf("stytchtest: Config.Policy: %w", err)
		}
		s.policy = clonePolicy(*cfg.Policy)
	}
	key, err := newSigningKey(s.newID("jwk"), time.Now())
	if err != nil {
		return nil, err
	}
	s.keys = []*signingKey{key}
	s.routes = s.routeTable()
	if err := s.listen(cfg); err != nil {
		return nil, err
	}
	go func() {
		defer close(s.served)
		_ = s.server.Serve(s.listener)
	}()
	return s, nil
}

// listen opens the listener and prepares the HTTP server and the client.
func (s *Server) listen(cfg Config) error {
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("stytchtest: listen on %s: %w", addr, err)
	}
	s.transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second,
		ForceAttemptHTTP2: false, TLSHandshakeTimeout: 10 * time.Second}
	scheme := "http"
	if cfg.TLS {
		material, err := newTLSMaterial(time.Now())
		if err != nil {
			_ = l.Close()
			return err
		}
		s.caPEM = material.caPEM
		// HTTP/1.1 only, so that dropped-connection faults can hijack.
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{material.server},
			MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}})
		s.transport.TLSClientConfig = &tls.Config{RootCAs: material.pool, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	s.listener = l
	s.URL = scheme + "://" + dialableAddr(l.Addr())
	s.server = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	s.httpClient = &http.Client{Transport: s.transport}
	c, err := client.New(client.Config{ProjectID: s.ProjectID, Secret: s.Secret, BaseURL: s.URL, HTTPClient: s.httpClient})
	if err != nil {
		_ = l.Close()
		return fmt.Errorf("stytchtest: %w", err)
	}
	s.apiClient = c
	return nil
}

// dialableAddr is the listener's address, with an unspecified IP (0.0.0.0,
// ::) replaced by loopback so that the URL can be dialled.
func dialableAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if strings.Contains(a.String(), "[") {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}

// Client returns a client configured for this emulator (BaseURL, project
// id, secret, and the emulator's CA when it serves TLS).
func (s *Server) Client() *client.Client { return s.apiClient }

// HTTPClient returns the HTTP client that Client uses: it trusts the
// emulator's CA when the emulator serves TLS. Close closes its idle
// connections.
func (s *Server) HTTPClient() *http.Client { return s.httpClient }

// CACertificatePEM returns the PEM of the CA that issued the emulator's TLS
// certificate, or nil without TLS.
func (s *Server) CACertificatePEM() []byte { return append([]byte(nil), s.caPEM...) }

// Close stops the emulator: it cuts injected latencies short, waits for the
// requests in progress (up to 5 seconds, then closes their connections) and
// closes the idle connections of HTTPClient. No goroutine of the emulator
// outlives it. Close may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = s.server.Close()
		}
		<-s.served
		s.transport.CloseIdleConnections()
	})
}
