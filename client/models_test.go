package client

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// seedFields lists, per interface of the seed (Stytch's Node SDK Sessions
// declarations), its wire field names, and the Go type that carries them.
// The SDK-local AuthenticateJwt* requests are not wire types and live in
// the middleware.
var seedFields = []struct {
	seed   string
	goType any
	fields string
}{
	{"Session", Session{}, "session_id user_id authentication_factors roles started_at last_accessed_at expires_at attributes custom_claims"},
	{"AuthenticationFactor", AuthenticationFactor{}, "type delivery_method last_authenticated_at created_at updated_at email_factor phone_number_factor google_oauth_factor microsoft_oauth_factor apple_oauth_factor webauthn_factor authenticator_app_factor github_oauth_factor recovery_code_factor facebook_oauth_factor crypto_wallet_factor amazon_oauth_factor bitbucket_oauth_factor coinbase_oauth_factor discord_oauth_factor figma_oauth_factor git_lab_oauth_factor instagram_oauth_factor linked_in_oauth_factor shopify_oauth_factor slack_oauth_factor snapchat_oauth_factor spotify_oauth_factor steam_oauth_factor tik_tok_oauth_factor twitch_oauth_factor twitter_oauth_factor embeddable_magic_link_factor biometric_factor saml_sso_factor oidc_sso_factor salesforce_oauth_factor yahoo_oauth_factor hubspot_oauth_factor slack_oauth_exchange_factor hubspot_oauth_exchange_factor github_oauth_exchange_factor google_oauth_exchange_factor impersonated_factor oauth_access_token_exchange_factor trusted_auth_token_factor"},
	{"AmazonOAuthFactor", AmazonOAuthFactor{}, "id provider_subject email_id"},
	{"AppleOAuthFactor", AppleOAuthFactor{}, "id provider_subject email_id"},
	{"BitbucketOAuthFactor", BitbucketOAuthFactor{}, "id provider_subject email_id"},
	{"CoinbaseOAuthFactor", CoinbaseOAuthFactor{}, "id provider_subject email_id"},
	{"DiscordOAuthFactor", DiscordOAuthFactor{}, "id provider_subject email_id"},
	{"FacebookOAuthFactor", FacebookOAuthFactor{}, "id provider_subject email_id"},
	{"FigmaOAuthFactor", FigmaOAuthFactor{}, "id provider_subject email_id"},
	{"GitLabOAuthFactor", GitLabOAuthFactor{}, "id provider_subject email_id"},
	{"GithubOAuthFactor", GithubOAuthFactor{}, "id provider_subject email_id"},
	{"GoogleOAuthFactor", GoogleOAuthFactor{}, "id provider_subject email_id"},
	{"HubspotOAuthFactor", HubspotOAuthFactor{}, "id provider_subject email_id"},
	{"InstagramOAuthFactor", InstagramOAuthFactor{}, "id provider_subject email_id"},
	{"LinkedInOAuthFactor", LinkedInOAuthFactor{}, "id provider_subject email_id"},
	{"MicrosoftOAuthFactor", MicrosoftOAuthFactor{}, "id provider_subject email_id"},
	{"SalesforceOAuthFactor", SalesforceOAuthFactor{}, "id provider_subject email_id"},
	{"ShopifyOAuthFactor", ShopifyOAuthFactor{}, "id provider_subject email_id"},
	{"SlackOAuthFactor", SlackOAuthFactor{}, "id provider_subject email_id"},
	{"SnapchatOAuthFactor", SnapchatOAuthFactor{}, "id provider_subject email_id"},
	{"SpotifyOAuthFactor", SpotifyOAuthFactor{}, "id provider_subject email_id"},
	{"SteamOAuthFactor", SteamOAuthFactor{}, "id provider_subject email_id"},
	{"TikTokOAuthFactor", TikTokOAuthFactor{}, "id provider_subject email_id"},
	{"TwitchOAuthFactor", TwitchOAuthFactor{}, "id provider_subject email_id"},
	{"TwitterOAuthFactor", TwitterOAuthFactor{}, "id provider_subject email_id"},
	{"YahooOAuthFactor", YahooOAuthFactor{}, "id provider_subject email_id"},
	{"GithubOAuthExchangeFactor", GithubOAuthExchangeFactor{}, "email_id"},
	{"GoogleOAuthExchangeFactor", GoogleOAuthExchangeFactor{}, "email_id"},
	{"HubspotOAuthExchangeFactor", HubspotOAuthExchangeFactor{}, "email_id"},
	{"SlackOAuthExchangeFactor", SlackOAuthExchangeFactor{}, "email_id"},
	{"AuthenticatorAppFactor", AuthenticatorAppFactor{}, "totp_id"},
	{"BiometricFactor", BiometricFactor{}, "biometric_registration_id"},
	{"CryptoWalletFactor", CryptoWalletFactor{}, "crypto_wallet_id crypto_wallet_address crypto_wallet_type"},
	{"EmailFactor", EmailFactor{}, "email_id email_address"},
	{"EmbeddableMagicLinkFactor", EmbeddableMagicLinkFactor{}, "embedded_id"},
	{"ImpersonatedFactor", ImpersonatedFactor{}, "impersonator_id impersonator_email_address"},
	{"OAuthAccessTokenExchangeFactor", OAuthAccessTokenExchangeFactor{}, "client_id"},
	{"OIDCSSOFactor", OIDCSSOFactor{}, "id provider_id external_id"},
	{"SAMLSSOFactor", SAMLSSOFactor{}, "id provider_id external_id"},
	{"PhoneNumberFactor", PhoneNumberFactor{}, "phone_id phone_number"},
	{"RecoveryCodeFactor", RecoveryCodeFactor{}, "totp_recovery_code_id"},
	{"TrustedAuthTokenFactor", TrustedAuthTokenFactor{}, "token_id"},
	{"WebAuthnFactor", WebAuthnFactor{}, "webauthn_registration_id domain user_agent"},
	{"JWK", JWK{}, "kty use key_ops alg kid x5c x5tS256 n e"},
	{"SessionsAuthorizationCheck", AuthorizationCheck{}, "resource_id action"},
	{"SessionsAuthorizationVerdict", AuthorizationVerdict{}, "authorized granting_roles"},
	{"SessionsAttestRequest", AttestRequest{}, "profile_id token session_duration_minutes session_custom_claims session_token session_jwt telemetry_id"},
	{"SessionsAttestResponse", AttestResponse{}, "request_id user_id session_token session_jwt user status_code session user_device"},
	{"SessionsAuthenticateRequest", AuthenticateRequest{}, "session_token session_duration_minutes session_jwt session_custom_claims authorization_check"},
	{"SessionsAuthenticateResponse", AuthenticateResponse{}, "request_id session session_token session_jwt user status_code verdict"},
	{"SessionsExchangeAccessTokenRequest", ExchangeAccessTokenRequest{}, "access_token session_duration_minutes session_custom_claims telemetry_id"},
	{"SessionsExchangeAccessTokenResponse", ExchangeAccessTokenResponse{}, "request_id user_id session_token session_jwt user status_code session user_device"},
	{"SessionsGetJWKSRequest", GetJWKSRequest{}, "project_id"},
	{"SessionsGetJWKSResponse", GetJWKSResponse{}, "keys request_id status_code"},
	{"SessionsGetRequest", GetRequest{}, "user_id"},
	{"SessionsGetResponse", GetResponse{}, "request_id sessions status_code"},
	{"SessionsMigrateRequest", MigrateRequest{}, "session_token session_duration_minutes session_custom_claims telemetry_id"},
	{"SessionsMigrateResponse", MigrateResponse{}, "request_id user_id session_token session_jwt user status_code session user_device"},
	{"SessionsRevokeRequest", RevokeRequest{}, "session_id session_token session_jwt"},
	{"SessionsRevokeResponse", RevokeResponse{}, "request_id status_code"},
	// Declared by the SDKs beside the seed (attribute.ts, device_history.ts).
	{"Attributes", Attributes{}, "ip_address user_agent"},
	{"DeviceInfo", DeviceInfo{}, "visitor_id visitor_id_details ip_address ip_address_details ip_geo_city ip_geo_region ip_geo_country ip_geo_country_details"},
	{"DeviceAttributeDetails", DeviceAttributeDetails{}, "is_new first_seen_at last_seen_at"},
}

// jsonNames returns the JSON names of a struct's fields.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "-" && f.IsExported() {
			names = append(names, name)
		}
	}
	return names
}

func TestWireNamesMatchTheSeed(t *testing.T) {
	for _, tc := range seedFields {
		got := jsonNames(reflect.TypeOf(tc.goType))
		want := strings.Fields(tc.fields)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s (%T):\n got %v\nwant %v", tc.seed, tc.goType, got, want)
		}
	}
}

// TestEveryFactorRoundTrips decodes a factor carrying every sub-object with
// every field set and checks that encoding gives the same JSON back.
func TestEveryFactorRoundTrips(t *testing.T) {
	factor := map[string]any{
		"type": "oauth", "delivery_method": "oauth_google",
		"last_authenticated_at": "2025-11-12T10:35:49Z", "created_at": "2025-11-12T10:35:49Z", "updated_at": "2025-11-12T10:35:49Z",
	}
	fieldsOf := map[string]string{}
	for _, tc := range seedFields {
		fieldsOf[tc.seed] = tc.fields
	}
	ft := reflect.TypeOf(AuthenticationFactor{})
	for f := range ft.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() != reflect.Pointer {
			continue
		}
		sub := map[string]any{}
		for _, field := range jsonNames(f.Type.Elem()) {
			sub[field] = "v-" + name + "-" + field
		}
		factor[name] = sub
	}
	in, err := json.Marshal(factor)
	if err != nil {
		t.Fatal(err)
	}
	var decoded AuthenticationFactor
	if err := json.Unmarshal(in, &decoded); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(decoded)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out, string(in))
	if decoded.GoogleOAuthFactor.ProviderSubject != "v-google_oauth_factor-provider_subject" ||
		decoded.SAMLSSOFactor.ExternalID != "v-saml_sso_factor-external_id" {
		t.Fatalf("sub-objects not decoded: %+v", decoded)
	}
}

// TestSessionRoundTrip decodes a real-shaped session and encodes it back:
// every known field survives, an absent optional timestamp is not turned
// into a zero time, and the unknown field is dropped without error.
func TestSessionRoundTrip(t *testing.T) {
	var s Session
	if err := json.Unmarshal([]byte(sessionJSON), &s); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(sessionJSON), &want); err != nil {
		t.Fatal(err)
	}
	delete(want, "a_future_field")
	wantJSON, _ := json.Marshal(want)
	jsonEqual(t, out, string(wantJSON))
	if strings.Contains(string(out), "0001-01-01") {
		t.Fatalf("a zero time was invented: %s", out)
	}
}

func TestOptionalTimestamps(t *testing.T) {
	cases := []struct {
		name, in string
		value    any
		absent   []string
	}{
		{"factor without created/updated (as inside a JWT)", `{"type":"otp","delivery_method":"sms","last_authenticated_at":"2025-11-12T10:35:49Z"}`,
			&AuthenticationFactor{}, []string{"created_at", "updated_at"}},
		{"factor with null timestamps", `{"type":"otp","delivery_method":"sms","last_authenticated_at":null,"created_at":null,"updated_at":null}`,
			&AuthenticationFactor{}, []string{"last_authenticated_at", "created_at", "updated_at"}},
		{"session with fractional seconds and no expiry", `{"session_id":"s","user_id":"u","authentication_factors":[],"roles":[],"started_at":"2021-08-09T07:41:52.123456Z"}`,
			&Session{}, []string{"expires_at", "last_accessed_at", "attributes", "custom_claims"}},
		{"user with null lock times and external id", userJSON, &User{}, []string{"lock_created_at", "lock_expires_at", "external_id"}},
		{"device details without dates", `{"visitor_id":"v","visitor_id_details":{"is_new":true}}`, &DeviceInfo{}, []string{"first_seen_at", "last_seen_at"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := json.Unmarshal([]byte(tc.in), tc.value); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range tc.absent {
				if strings.Contains(string(out), `"`+name+`"`) {
					t.Errorf("%s came back in %s", name, out)
				}
			}
			if strings.Contains(string(out), "0001-01-01") {
				t.Errorf("a zero time was invented: %s", out)
			}
		})
	}
	var s Session
	if err := json.Unmarshal([]byte(`{"started_at":"2021-08-09T07:41:52.123456Z"}`), &s); err != nil || s.StartedAt.Nanosecond() != 123456000 {
		t.Fatalf("fractional seconds: %v, %v", s.StartedAt, err)
	}
}

func TestCustomClaimsSendNull(t *testing.T) {
	b, err := json.Marshal(AuthenticateRequest{SessionToken: "t", SessionCustomClaims: CustomClaims{"delete_me": nil}})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{"session_token":"t","session_custom_claims":{"delete_me":null}}`)
}
