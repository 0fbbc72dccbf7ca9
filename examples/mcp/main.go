// Command mcp is an MCP server (on the official Go SDK) whose tools are
// protected by Stytch access tokens through stytchmw: MCP clients discover
// the Stytch project from its OAuth Protected Resource Metadata (RFC
// 9728), named in every 401 challenge, and each tool requires its scopes.
//
//	go run ./examples/mcp
//
// It starts an embedded Stytch emulator, issues demo Connected Apps
// tokens, and prints them with the commands to try. Tools:
// list_documents needs read:documents, delete_document write:documents.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/stytchmw/stytchmw/client"
	"github.com/stytchmw/stytchmw/mcpauth"
	"github.com/stytchmw/stytchmw/middleware"
	"github.com/stytchmw/stytchmw/resourcemeta"
	"github.com/stytchmw/stytchmw/stytchtest"
)

// endpointPath is where the MCP server is served.
const endpointPath = "/mcp"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8090"
	}
	if err := run(ctx, addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "examples/mcp:", err)
		os.Exit(1)
	}
}

// run serves the MCP server on addr, on an embedded emulator, until ctx
// is done.
func run(ctx context.Context, addr string, stdout io.Writer) error {
	srv := stytchtest.NewServer(stytchtest.Config{})
	defer srv.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	h, closeAll, err := newServer(ctx, srv.Client(), base+endpointPath, srv.Now)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer closeAll()
	if err := printBanner(ctx, stdout, srv, base); err != nil {
		_ = ln.Close()
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newServer builds the service: the resource metadata, and the MCP
// endpoint guarded by stytchmw, for the resource URL resource. Close the
// Authenticator with the returned function.
func newServer(ctx context.Context, stytch *client.Client, resource string, now func() time.Time) (http.Handler, func(), error) {
	meta, err := resourcemeta.New(resourcemeta.Config{
		Resource: resource,
		Client:   stytch, // its base URL is the emulator's: the project's "domain"
		Scopes:   []string{"read:documents", "write:documents"},
	})
	if err != nil {
		return nil, nil, err
	}
	startCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	auth, err := middleware.New(startCtx, middleware.Config{Client: stytch, Now: now, ResourceMetadata: meta.URL()})
	if err != nil {
		return nil, nil, err
	}

	server := mcp.NewServer(&mcp.Implementation{Name: "documents", Version: "v1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "list_documents", Description: "Lists the documents."},
		mcpauth.RequireScopes(listDocuments, "read:documents"))
	mcp.AddTool(server, &mcp.Tool{Name: "delete_document", Description: "Deletes a document."},
		mcpauth.RequireScopes(deleteDocument, "write:documents"))
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{Stateless: true})

	// Any valid Stytch token reaches the endpoint; each tool asks for its
	// scopes. Require answers refusals (401 with resource_metadata, 503);
	// the SDK's middleware hands the caller to the tools.
	rule := middleware.Authenticated().OrMachine()
	mux := http.NewServeMux()
	mux.Handle("GET "+meta.Path(), meta)
	mux.Handle(endpointPath, auth.Require(rule)(
		sdkauth.RequireBearerToken(mcpauth.Verifier(auth, rule), nil)(handler)))
	return mux, func() { _ = auth.Close() }, nil
}

// Documents is list_documents' output.
type Documents struct {
	Caller    string   `json:"caller"`
	Documents []string `json:"documents"`
}

func listDocuments(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, Documents, error) {
	caller, _ := mcpauth.AuthFrom(req.Extra.TokenInfo)
	return nil, Documents{Caller: caller.AccessToken.Subject, Documents: []string{"roadmap", "budget"}}, nil
}

// DeleteInput is delete_document's input.
type DeleteInput struct {
	Name string `json:"name" jsonschema:"the document to delete"`
}

// Deleted is delete_document's output.
type Deleted struct {
	Deleted string `json:"deleted"`
}

func deleteDocument(_ context.Context, _ *mcp.CallToolRequest, in DeleteInput) (*mcp.CallToolResult, Deleted, error) {
	return nil, Deleted{Deleted: in.Name}, nil
}

// printBanner creates a demo user with two Connected Apps tokens and says
// how to try the server.
func printBanner(ctx context.Context, w io.Writer, srv *stytchtest.Server, base string) error {
	user, err := srv.CreateUser(ctx, stytchtest.UserParams{Email: "ada@example.com"})
	if err != nil {
		return err
	}
	reader, err := srv.CreateAccessToken(ctx, stytchtest.AccessTokenParams{Subject: user.UserID, Scopes: []string{"read:documents"}})
	if err != nil {
		return err
	}
	writer, err := srv.CreateAccessToken(ctx, stytchtest.AccessTokenParams{Subject: user.UserID, Scopes: []string{"read:documents", "write:documents"}})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, `MCP server on %[1]s%[2]s (embedded Stytch emulator at %[3]s)

Discovery:
  curl -i -X POST %[1]s%[2]s             # 401, WWW-Authenticate names resource_metadata
  curl %[1]s/.well-known/oauth-protected-resource%[2]s

A token with read:documents (list_documents passes, delete_document is refused):
  READER=%[4]s
A token with read:documents and write:documents:
  WRITER=%[5]s

  npx @modelcontextprotocol/inspector   # transport "Streamable HTTP", URL %[1]s%[2]s, header Authorization: Bearer $READER
`, base, endpointPath, srv.URL, reader, writer)
	return err
}
