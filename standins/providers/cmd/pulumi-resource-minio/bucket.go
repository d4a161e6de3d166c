package main

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

type bucket struct{}

// DiffsAgainstState: the bridge plans against the state (after a refresh, what MinIO reported).
func (bucket) DiffsAgainstState() {}

// RefreshInputs: a refresh records the state's values as the inputs, as the bridge does.
func (bucket) RefreshInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap {
	return lhp.BridgedInputs(oldInputs, outs)
}

// defaultsKey is the bridge's reserved input listing the properties Check filled with schema defaults.
const defaultsKey = "__defaults"

// schemaDefaults are the Terraform schema defaults of minio_s3_bucket (resourceMinioBucket).
var schemaDefaults = map[resource.PropertyKey]resource.PropertyValue{
	"acl":           resource.NewStringProperty("private"),
	"forceDestroy":  resource.NewBoolProperty(false),
	"objectLocking": resource.NewBoolProperty(false),
}

// cannedACLs are the acl values upstream accepts (minioSetBucketACL); only "private" sets no policy.
var cannedACLs = map[string]bool{"private": true, "public-write": true, "public-read": true, "public-read-write": true, "public": true}

// uniqueIDSuffixLength is Terraform's id.UniqueIDSuffixLength: bucket_prefix leaves room for it.
const uniqueIDSuffixLength = 26

func (bucket) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news := lhp.Copy(a.News)
	delete(news, defaultsKey)
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	n := lhp.PlainMap(news)
	b, hasBucket := n["bucket"].(string)
	p, hasPrefix := n["bucketPrefix"].(string)
	if hasBucket && len(b) > 63 {
		fail("bucket", fmt.Sprintf("expected length of bucket to be in the range (0 - 63), got %s", b))
	}
	if hasPrefix && len(p) > 63-uniqueIDSuffixLength {
		fail("bucketPrefix", fmt.Sprintf("expected length of bucket_prefix to be in the range (0 - %d), got %s", 63-uniqueIDSuffixLength, p))
	}
	if present(news, "bucket") && present(news, "bucketPrefix") {
		fail("bucket", `"bucket": conflicts with bucket_prefix`)
		fail("bucketPrefix", `"bucket_prefix": conflicts with bucket`)
	}
	if acl, ok := n["acl"].(string); ok && cannedACLs[acl] && acl != "private" {
		fail("acl", fmt.Sprintf("acl %q sets a bucket policy, which the lakehouse stand-in minio provider does not implement (only \"private\")", acl))
	}
	if present(news, "quota") {
		fail("quota", "quota is not implemented by the lakehouse stand-in minio provider")
	}
	defaults := []resource.PropertyValue{}
	keys := make([]string, 0, len(schemaDefaults))
	for k := range schemaDefaults {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !present(news, k) {
			news[resource.PropertyKey(k)] = schemaDefaults[resource.PropertyKey(k)]
			defaults = append(defaults, resource.NewStringProperty(k))
		}
	}
	news[defaultsKey] = resource.NewArrayProperty(defaults)
	return news, failures, nil
}

func present(m resource.PropertyMap, k string) bool {
	v, ok := m[resource.PropertyKey(k)]
	return ok && !v.IsNull()
}

// Diff plans against the last known state (olds), as the bridge does: bucket (when given) and
// bucketPrefix force a new bucket; acl, forceDestroy, objectLocking and quota update in place.
func (bucket) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	var replaces, updates []string
	changed := func(k resource.PropertyKey) bool {
		o, n := olds[k], news[k]
		if d, ok := schemaDefaults[k]; ok && (o.IsNull() || !olds.HasValue(k)) {
			o = d // state written before the attribute existed reads as its default
		}
		return n.ContainsUnknowns() || !reflect.DeepEqual(lhp.Plain(o), lhp.Plain(n))
	}
	// bucket is Optional+Computed: left out, it keeps the name in the state.
	if present(news, "bucket") && changed("bucket") {
		replaces = append(replaces, "bucket")
	}
	if changed("bucketPrefix") {
		replaces = append(replaces, "bucketPrefix")
	}
	for _, k := range []resource.PropertyKey{"acl", "forceDestroy", "objectLocking", "quota"} {
		if changed(k) {
			updates = append(updates, string(k))
		}
	}
	return replaces, updates
}

var (
	validBucketName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9\.\-\_\:]{1,61}[A-Za-z0-9]$`)
	ipAddress       = regexp.MustCompile(`^(\d+\.){3}\d+$`)
)

// checkBucketName is minio-go's CheckValidBucketName (the non-strict rules), which upstream calls at create.
func checkBucketName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("Bucket name cannot be empty")
	case len(name) < 3:
		return errors.New("Bucket name cannot be shorter than 3 characters")
	case len(name) > 63:
		return errors.New("Bucket name cannot be longer than 63 characters")
	case ipAddress.MatchString(name):
		return errors.New("Bucket name cannot be an ip address")
	case strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-."):
		return errors.New("Bucket name contains invalid characters")
	case !validBucketName.MatchString(name):
		return errors.New("Bucket name contains invalid characters")
	}
	return nil
}

var idMu sync.Mutex
var idCounter uint32

// uniqueID is Terraform's id.PrefixedUniqueId: prefix, UTC time to 1/10000 s, an 8-hex-digit counter.
func uniqueID(prefix string) string {
	idMu.Lock()
	defer idMu.Unlock()
	idCounter++
	ts := strings.Replace(time.Now().UTC().Format("20060102150405.0000"), ".", "", 1)
	return fmt.Sprintf("%s%s%08x", prefix, ts, idCounter)
}

// bucketExists is minio-go's BucketExists: 404 means no, any other failure is an error.
func bucketExists(ctx context.Context, name string) (bool, error) {
	_, err := s3(ctx, http.MethodHead, "/"+name, nil, nil, nil)
	if err == nil {
		return true, nil
	}
	if code(err) == "NoSuchBucket" {
		return false, nil
	}
	return false, err
}

func (bucket) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	name := a.Str("bucket", "")
	if name == "" {
		if prefix := a.Str("bucketPrefix", ""); prefix != "" {
			name = uniqueID(prefix)
		} else {
			name = uniqueID("terraform-")
		}
	}
	if err := checkBucketName(name); err != nil {
		return "", nil, resourceError("unable to create bucket", name, err)
	}
	acl := a.Str("acl", "private")
	if !cannedACLs[acl] {
		return "", nil, fmt.Errorf("[FATAL] unsupported ACL (%s): (valid acl: private, public-write, public-read, public-read-write, public)", acl)
	}
	exists, err := bucketExists(ctx, name)
	if err != nil {
		return "", nil, resourceError("unable to check bucket", name, err)
	}
	if exists {
		// Upstream adopts nothing, not even a bucket kept by retainOnDelete.
		return "", nil, resourceError("bucket already exists!", name, nil)
	}
	headers := map[string]string{}
	if a.Bool("objectLocking", false) {
		headers["x-amz-bucket-object-lock-enabled"] = "true"
	}
	var body []byte
	if cfg.region != "" && cfg.region != "us-east-1" {
		body = []byte(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>` +
			xmlEscape(cfg.region) + `</LocationConstraint></CreateBucketConfiguration>`)
	}
	if _, err := s3(ctx, http.MethodPut, "/"+name, nil, body, headers); err != nil {
		return "", nil, resourceError("unable to create bucket", name, err)
	}
	outs := lhp.Copy(news)
	delete(outs, defaultsKey)
	outs["bucket"] = resource.NewStringProperty(name)
	// Upstream's create ends with a Read.
	outs, found, err := bucket{}.Read(ctx, name, outs)
	if err != nil {
		return "", nil, err
	}
	if !found {
		return "", nil, resourceError("unable to find bucket", name, errors.New("gone right after create"))
	}
	return name, outs, nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Update changes nothing remote for forceDestroy and objectLocking (upstream only acts on acl and
// quota; "private" sets no policy), then reads the bucket back.
func (bucket) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	outs := lhp.Copy(olds)
	for k, v := range news {
		outs[k] = v
	}
	delete(outs, defaultsKey)
	outs["bucket"] = resource.NewStringProperty(id)
	outs, found, err := bucket{}.Read(ctx, id, outs)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, resourceError("unable to find bucket", id, errors.New("it no longer exists"))
	}
	return outs, nil
}

// Read is upstream's minioReadBucket: any failure of BucketExists (not only "no such bucket", also an
// unreachable server or refused credentials) drops the bucket from the state.
func (bucket) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	if exists, _ := bucketExists(ctx, id); !exists {
		return nil, false, nil
	}
	outs := lhp.Copy(state)
	delete(outs, defaultsKey)
	if !present(outs, "bucket") {
		outs["bucket"] = resource.NewStringProperty(id)
	}
	outs["arn"] = resource.NewStringProperty("arn:aws:s3:::" + id)
	outs["bucketDomainName"] = resource.NewStringProperty(endpointURL() + "/minio/" + id)
	return outs, true, nil
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

// empty deletes every object version and delete marker of the bucket (upstream: ListObjects with
// versions, recursive, then RemoveObjects).
func empty(ctx context.Context, name string) error {
	for i := 0; i < 10000; i++ {
		data, err := s3(ctx, http.MethodGet, "/"+name, url.Values{"versions": {""}, "max-keys": {"1000"}}, nil, nil)
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
			if _, err := s3(ctx, http.MethodDelete, "/"+name+"/"+encodeKey(o.Key), q, nil, nil); err != nil && code(err) != "NoSuchKey" {
				return errors.New("could not delete objects")
			}
		}
	}
	return nil
}

// encodeKey percent-encodes an object key for the request path and the SigV4 canonical URI the way
// minio-go's s3utils.EncodePath does: every byte but A-Z a-z 0-9 - _ . ~ and '/'. MinIO rebuilds the
// canonical URI that way, so a key with '=' (Iceberg's partition paths, `commit_time_day=2026-12-04/`),
// '+', ':', a space or a non-ASCII letter must be sent so, or its signature does not match.
func encodeKey(k string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// Delete is upstream's minioDeleteBucket: a bucket that is not empty is emptied first only with
// forceDestroy; a bucket that is already gone is an error (refresh first to forget it).
func (bucket) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	force := lhp.PlainMap(state).Bool("forceDestroy", false)
	_, err := s3(ctx, http.MethodDelete, "/"+id, nil, nil, nil)
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "empty") && force {
		if err := empty(ctx, id); err != nil {
			return resourceError("unable to remove bucket", id, err)
		}
		if _, err := s3(ctx, http.MethodDelete, "/"+id, nil, nil, nil); err != nil {
			return resourceError("unable to remove bucket", id, err)
		}
		return nil
	}
	return resourceError("unable to remove bucket", id, err)
}
