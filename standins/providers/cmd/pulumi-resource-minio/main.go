// Command pulumi-resource-minio is the lakehouse's stand-in for the pulumi-minio provider (whose provider
// module, and the Terraform provider it bridges, the reachable Go module proxy does not serve). It
// implements minio:index/s3Bucket:S3Bucket with @pulumi/minio 0.17.1's property names through the S3 API
// (path-style, AWS Signature V4 written here with the standard library): bucket (or bucketPrefix), acl
// ("private" only), forceDestroy (empties the bucket before deleting it), objectLocking. Provider config:
// minioServer (host:port), minioUser, minioPassword, minioSsl, minioRegion (default us-east-1),
// minioInsecure. Requests are retried for up to two minutes while the server is not ready.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

var version = "0.17.1"

type settings struct {
	server, user, password, region string
	ssl, insecure                  bool
}

var cfg = settings{region: "us-east-1"}

func main() {
	lhp.Main(&lhp.Provider{
		Name:      "minio",
		Version:   version,
		Resources: map[string]lhp.Resource{"minio:index/s3Bucket:S3Bucket": bucket{}},
		OnConfigure: func(c map[string]any) error {
			a := lhp.Args(c)
			cfg.server = a.Str("minioServer", "")
			cfg.user = a.Str("minioUser", a.Str("minioAccessKey", ""))
			cfg.password = a.Str("minioPassword", a.Str("minioSecretKey", ""))
			cfg.region = a.Str("minioRegion", "us-east-1")
			cfg.ssl = boolish(c["minioSsl"])
			cfg.insecure = boolish(c["minioInsecure"])
			return nil
		},
	})
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

type s3Error struct {
	Status int
	Code   string `xml:"Code"`
	Msg    string `xml:"Message"`
}

func (e *s3Error) Error() string { return fmt.Sprintf("S3 %d %s: %s", e.Status, e.Code, e.Msg) }

func sha(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func hmacSHA(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// s3 sends one signed request (AWS Signature V4, path-style) and returns the body.
func s3(ctx context.Context, method, path string, query url.Values, body []byte, headers map[string]string) ([]byte, error) {
	if cfg.server == "" {
		return nil, errors.New("minio provider: minioServer is not set")
	}
	scheme := "http"
	if cfg.ssl {
		scheme = "https"
	}
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

	u := scheme + "://" + cfg.server + path
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
	if cfg.insecure {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec
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

// retry calls f until it succeeds, fails with an S3 error (the server answered), or 2 minutes pass.
func retry(ctx context.Context, what string, f func() error) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := f()
		var e *s3Error
		if err == nil || errors.As(err, &e) && e.Status != 503 {
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w (server %s)", what, err, cfg.server)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

type bucket struct{}

func (bucket) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	var failures []*pulumirpc.CheckFailure
	n := lhp.PlainMap(a.News)
	if acl := n.Str("acl", "private"); acl != "private" {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "acl",
			Reason: "only acl \"private\" is supported by the lakehouse stand-in minio provider"})
	}
	if n.Str("bucket", "") == "" {
		if prefix := n.Str("bucketPrefix", ""); prefix != "" {
			if o := lhp.PlainMap(a.Olds).Str("bucket", ""); o != "" && strings.HasPrefix(o, prefix) {
				a.News["bucket"] = resource.NewStringProperty(o)
			} else {
				a.News["bucket"] = resource.NewStringProperty(strings.ToLower(lhp.AutoName(strings.TrimSuffix(prefix, "-"), a.Seed)))
			}
		} else {
			name := strings.ToLower(strings.ReplaceAll(a.Name, "_", "-"))
			a.News = lhp.KeepOrAutoName(lhp.CheckArgs{Name: name, Olds: a.Olds, News: a.News, Seed: a.Seed}, "bucket")
		}
	}
	return a.News, failures, nil
}

func (bucket) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	var replaces, updates []string
	for _, k := range lhp.ChangedKeys(oldInputs, news) {
		if k == "forceDestroy" || k == "acl" {
			updates = append(updates, k)
		} else {
			replaces = append(replaces, k)
		}
	}
	return replaces, updates
}

func outputs(news resource.PropertyMap, name string) resource.PropertyMap {
	outs := lhp.Copy(news)
	outs["bucket"] = resource.NewStringProperty(name)
	outs["arn"] = resource.NewStringProperty("arn:aws:s3:::" + name)
	outs["bucketDomainName"] = resource.NewStringProperty(cfg.server + "/" + name)
	if _, ok := outs["acl"]; !ok {
		outs["acl"] = resource.NewStringProperty("private")
	}
	return outs
}

func (bucket) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	name := a.Str("bucket", "")
	headers := map[string]string{}
	if a.Bool("objectLocking", false) {
		headers["x-amz-bucket-object-lock-enabled"] = "true"
	}
	err := retry(ctx, "creating bucket "+name, func() error {
		_, err := s3(ctx, "PUT", "/"+name, nil, nil, headers)
		if code(err) == "BucketAlreadyOwnedByYou" {
			return nil // kept by an earlier destroy (retainOnDelete): adopt it
		}
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return name, outputs(news, name), nil
}

func (bucket) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	return outputs(news, id), nil
}

func (bucket) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	exists := true
	err := retry(ctx, "reading bucket "+id, func() error {
		_, err := s3(ctx, "HEAD", "/"+id, nil, nil, nil)
		var e *s3Error
		if errors.As(err, &e) && e.Status == 404 {
			exists = false
			return nil
		}
		return err
	})
	return state, exists, err
}

type listResult struct {
	Versions []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Version"`
	Markers []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"DeleteMarker"`
	Truncated bool `xml:"IsTruncated"`
}

func empty(ctx context.Context, name string) error {
	for i := 0; i < 10000; i++ {
		data, err := s3(ctx, "GET", "/"+name, url.Values{"versions": {""}, "max-keys": {"1000"}}, nil, nil)
		if err != nil {
			return err
		}
		var l listResult
		if err := xml.Unmarshal(data, &l); err != nil {
			return err
		}
		objs := append(l.Versions, l.Markers...)
		if len(objs) == 0 {
			return nil
		}
		for _, o := range objs {
			q := url.Values{}
			if o.VersionID != "" && o.VersionID != "null" {
				q.Set("versionId", o.VersionID)
			}
			if _, err := s3(ctx, "DELETE", "/"+name+"/"+encodeKey(o.Key), q, nil, nil); err != nil && code(err) != "NoSuchKey" {
				return err
			}
		}
	}
	return nil
}

func encodeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(url.PathEscape(p), "+", "%2B")
	}
	return strings.Join(parts, "/")
}

func (bucket) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	a := lhp.PlainMap(state)
	return retry(ctx, "deleting bucket "+id, func() error {
		if a.Bool("forceDestroy", false) {
			if err := empty(ctx, id); err != nil {
				if code(err) == "NoSuchBucket" {
					return nil
				}
				return err
			}
		}
		_, err := s3(ctx, "DELETE", "/"+id, nil, nil, nil)
		if code(err) == "NoSuchBucket" {
			return nil
		}
		return err
	})
}
