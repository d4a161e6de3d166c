// Command pulumi-resource-minio is the lakehouse's stand-in for the pulumi-minio provider (whose provider
// module, and the Terraform provider it bridges, the reachable Go module proxy does not serve). It
// implements minio:index/s3Bucket:S3Bucket with @pulumi/minio 0.17.1's property names through the S3 API
// (path-style, AWS Signature V4 written here with the standard library), behaving like
// aminueza/terraform-provider-minio v1.20.1 behind the Terraform bridge (table:
// standins/providers/conformance/minio.json): bucket and bucketPrefix replace, acl, forceDestroy and
// objectLocking update in place, an existing bucket is an error at create, Read drops a bucket it
// cannot find. It also implements the IAM resources IamUser, IamPolicy and IamUserPolicyAttachment
// through MinIO's admin API with madmin-go (iam.go). Provider config: minioServer (host:port), minioUser, minioPassword, minioSsl,
// minioRegion (default us-east-1), minioInsecure, minioCacertFile, minioCertFile and minioKeyFile
// (tls.go: one transport made at configure, shared by the S3 requests and the admin client). Requests
// retry like minio-go (10 attempts, at most a second apart). Not implemented: acl other than "private", quota.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

var version = "0.17.1"

const bucketToken = "minio:index/s3Bucket:S3Bucket"

type settings struct {
	server, user, password, region string
	ssl, insecure                  bool
	certs                          tlsFiles
	// transport is the TLS transport made at configure when ssl is set; nil otherwise (the S3 requests
	// then use net/http's default transport and the admin client madmin-go's, as before).
	transport *http.Transport
}

var cfg = settings{region: "us-east-1"}

func newProvider() *lhp.Provider {
	return &lhp.Provider{
		Name:    "minio",
		Version: version,
		Resources: map[string]lhp.Resource{bucketToken: bucket{}, iamUserToken: iamUser{}, iamPolicyToken: iamPolicy{},
			iamAttachmentToken: iamAttachment{}},
		OnConfigure: configure,
	}
}

func main() { lhp.Main(newProvider()) }

// configure reads the provider config and, with minioSsl, makes the TLS transport (reading the
// certificate files now, as upstream's providerConfigure does); on a failure the previous config stays.
func configure(c map[string]any) error {
	a := lhp.Args(c)
	s := settings{
		server:   a.Str("minioServer", ""),
		user:     a.Str("minioUser", a.Str("minioAccessKey", "")),
		password: a.Str("minioPassword", a.Str("minioSecretKey", "")),
		region:   a.Str("minioRegion", "us-east-1"),
		ssl:      configBool(c, "minioSsl", "MINIO_ENABLE_HTTPS"),
		insecure: configBool(c, "minioInsecure", "MINIO_INSECURE"),
		certs: tlsFiles{
			caCert:     configString(c, "minioCacertFile", "MINIO_CACERT_FILE"),
			clientCert: configString(c, "minioCertFile", "MINIO_CERT_FILE"),
			clientKey:  configString(c, "minioKeyFile", "MINIO_KEY_FILE"),
		},
	}
	if s.ssl {
		tr, err := tlsTransport(s.insecure, s.certs)
		if err != nil {
			return clientCreationError(err)
		}
		s.transport = tr
	}
	cfg = s
	return nil
}

func boolish(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}

// s3Error is an S3 error response; Error() is its message, as minio-go's ErrorResponse words it.
type s3Error struct {
	Status int
	Code   string `xml:"Code"`
	Msg    string `xml:"Message"`
}

func (e *s3Error) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
}

func sha(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func hmacSHA(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func endpointURL() string {
	if cfg.ssl {
		return "https://" + cfg.server
	}
	return "http://" + cfg.server
}

// retryableStatus and retryableCodes are the answers minio-go retries.
var retryableStatus = map[int]bool{408: true, 429: true, 499: true, 500: true, 502: true, 503: true, 504: true, 520: true}

var retryableCodes = map[string]bool{
	"RequestError": true, "RequestTimeout": true, "Throttling": true, "ThrottlingException": true,
	"RequestLimitExceeded": true, "RequestThrottled": true, "InternalError": true, "ExpiredToken": true,
	"ExpiredTokenException": true, "SlowDown": true, "SlowDownWrite": true, "SlowDownRead": true,
}

// retryWait is minio-go's backoff: up to 10 attempts, random waits below min(1s, 200ms * 2^attempt).
var retryWait = func(attempt int) time.Duration {
	d := 200 * time.Millisecond << attempt
	if d > time.Second {
		d = time.Second
	}
	return d - time.Duration(rand.Float64()*float64(d))
}

const maxAttempts = 10

// s3 sends one signed request (AWS Signature V4, path-style), retrying as minio-go does, and returns the body.
func s3(ctx context.Context, method, path string, query url.Values, body []byte, headers map[string]string) ([]byte, error) {
	if cfg.server == "" {
		return nil, errors.New("minio provider: minioServer is not set")
	}
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(retryWait(attempt)):
			}
		}
		var data []byte
		data, err = s3Once(ctx, method, path, query, body, headers)
		var e *s3Error
		switch {
		case err == nil:
			return data, nil
		case errors.As(err, &e):
			if !retryableStatus[e.Status] && !retryableCodes[e.Code] {
				return nil, err
			}
		case ctx.Err() != nil:
			return nil, err
		}
	}
	return nil, err
}

func s3Once(ctx context.Context, method, path string, query url.Values, body []byte, headers map[string]string) ([]byte, error) {
	if query == nil {
		query = url.Values{}
	}
	now := time.Now().UTC()
	amzDate, day := now.Format("20060102T150405Z"), now.Format("20060102")
	payload := sha(body)
	canonQuery := strings.ReplaceAll(query.Encode(), "+", "%20")
	hdrs := map[string]string{"host": cfg.server, "x-amz-date": amzDate, "x-amz-content-sha256": payload}
	for k, v := range headers {
		hdrs[strings.ToLower(k)] = v
	}
	names := make([]string, 0, len(hdrs))
	for k := range hdrs {
		names = append(names, k)
	}
	sort.Strings(names)
	var canonHeaders strings.Builder
	for _, k := range names {
		canonHeaders.WriteString(k + ":" + strings.TrimSpace(hdrs[k]) + "\n")
	}
	signed := strings.Join(names, ";")
	canonical := strings.Join([]string{method, path, canonQuery, canonHeaders.String(), signed, payload}, "\n")
	scope := day + "/" + cfg.region + "/s3/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + sha([]byte(canonical))
	key := hmacSHA(hmacSHA(hmacSHA(hmacSHA([]byte("AWS4"+cfg.password), day), cfg.region), "s3"), "aws4_request")
	sig := hex.EncodeToString(hmacSHA(key, toSign))

	u := endpointURL() + path
	if canonQuery != "" {
		u += "?" + canonQuery
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range hdrs {
		if k != "host" {
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		cfg.user, scope, signed, sig))
	client := &http.Client{Timeout: 30 * time.Second}
	if cfg.transport != nil {
		client.Transport = cfg.transport
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		e := &s3Error{Status: resp.StatusCode}
		_ = xml.Unmarshal(data, e)
		if e.Code == "" && resp.StatusCode == 404 && method == http.MethodHead {
			e.Code, e.Msg = "NoSuchBucket", "The specified bucket does not exist"
		}
		return nil, e
	}
	return data, nil
}

func code(err error) string {
	var e *s3Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// resourceError words an error like the upstream provider's NewResourceError.
func resourceError(msg, name string, err error) error {
	if err == nil {
		return fmt.Errorf("[FATAL] %s (%s): <nil>", msg, name)
	}
	return fmt.Errorf("[FATAL] %s (%s): %w", msg, name, err)
}
