package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
	"github.com/loamcms/cms/policies"
)

// bigTables are the tables that grow with a site: a query that reads one of
// them from end to end is a scan, however fast it is on a small database.
var bigTables = []string{"entries", "published_entries", "revisions", "events", "comments", "media", "media_refs",
	"audit_records", "notifications", "outbox_events", "webhook_deliveries", "river_job"}

// knownScans are list requests whose plans still scan a big table, with what
// is left to do. The test reports them without failing; a request on this
// list that no longer scans fails the test, so the list only shrinks.
var knownScans = map[string]string{
	// media: List matches lower(filename|alt|title) LIKE '%word%'.
	"/api/media?search=harbour": "media search is a LIKE on filename, alt and title: a trigram or full-text index",
}

// TestExplainListQueries fills a PostgreSQL database with a site's worth of
// rows (20,000 entries with their snapshots and revisions, 50,000 audit
// records, 10,000 media and 20,000 notifications), vacuumed and analyzed as
// autovacuum would have left them, then serves every delivery and admin
// list request through the handler while a GORM callback records each
// SELECT it issues. Each statement is EXPLAINed with its own parameters: a
// Seq Scan of a big table, or a Sort over one, fails the test (unless the
// request is in knownScans). A Seq Scan right under a Limit that the
// planner expects to stop early reads a bounded part of the table, and
// passes. A request that reads no big table (an answer from a cache) fails
// too: its queries would go unchecked.
func TestExplainListQueries(t *testing.T) {
	db := dbtest.Open(t, migrations.Postgres)
	n := newNewsroom(t, db)
	_, token := n.token(t, "delivery")

	// Bulk loads go faster into tables without their secondary indexes:
	// they are dropped first and made again from their definitions after.
	start := time.Now()
	var indexes []struct{ Name, Def string }
	err := db.Raw(`SELECT indexname AS name, indexdef AS def FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename IN ?
		AND indexname NOT IN (SELECT conname FROM pg_constraint)`, bigTables).Scan(&indexes).Error
	if err != nil {
		t.Fatal(err)
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		// The rows are made consistent: their foreign keys need no checking
		// row by row (where the test's role may turn the triggers off).
		tx.Exec("SAVEPOINT fk")
		if tx.Exec("SET LOCAL session_replication_role = replica").Error != nil {
			tx.Exec("ROLLBACK TO SAVEPOINT fk")
		}
		for _, ix := range indexes {
			if err := tx.Exec(`DROP INDEX "` + ix.Name + `"`).Error; err != nil {
				return err
			}
		}
		for _, q := range explainFill(n.admin.user.ID) {
			if err := tx.Exec(q).Error; err != nil {
				return fmt.Errorf("%w\n%s", err, q)
			}
		}
		for _, ix := range indexes {
			if err := tx.Exec(ix.Def).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	enf, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := content.New(db.DB, enf, content.Options{Dialect: db.Dialect}).EnsureIndexes(t.Context()); err != nil {
		t.Fatal(err)
	}
	// What autovacuum would have done by now: statistics, and the
	// visibility map that index-only scans need.
	if err := db.Exec("VACUUM (ANALYZE) " + strings.Join(bigTables, ", ")).Error; err != nil {
		t.Fatal(err)
	}
	t.Logf("filled and analyzed in %v", time.Since(start).Round(time.Millisecond))

	// Values the requests filter by, read back from the rows.
	var pick struct{ Category, Title, Slug, Author, Entry, Actor string }
	err = db.Raw(`SELECT
		(SELECT entry_id FROM published_entries WHERE type = 'category' ORDER BY entry_id LIMIT 1) AS category,
		(SELECT data->>'title' FROM published_entries WHERE type = 'post' AND locale = 'en' ORDER BY entry_id LIMIT 1) AS title,
		(SELECT slug FROM published_entries WHERE type = 'post' AND locale = 'en' ORDER BY entry_id LIMIT 1) AS slug,
		(SELECT author_id FROM entries WHERE type = 'post' ORDER BY id LIMIT 1) AS author,
		(SELECT object_id FROM audit_records WHERE object_type = 'entries/post' ORDER BY id LIMIT 1) AS entry,
		(SELECT actor_id FROM audit_records WHERE actor_id <> '' ORDER BY id LIMIT 1) AS actor`).Scan(&pick).Error
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var recorded []statement
	recording := false
	record := func(tx *gorm.DB) {
		if tx.DryRun {
			return // a subquery being built: it runs inside the statement that uses it
		}
		sql := strings.TrimSpace(tx.Statement.SQL.String())
		if !selectSQL.MatchString(sql) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if recording {
			recorded = append(recorded, statement{sql: sql, vars: slices.Clone(tx.Statement.Vars)})
		}
	}
	if err := db.Callback().Query().After("gorm:query").Register("explain:record", record); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Row().After("gorm:row").Register("explain:record", record); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Callback().Query().Remove("explain:record")
		db.Callback().Row().Remove("explain:record")
	})

	q := url.QueryEscape
	// Cursors deep into the lists, for the pages after them.
	cursor := func(query string) string {
		var l deliveryList
		r := n.do(request{method: "GET", path: "/api/content/post?" + query, token: token})
		expect(t, r, 200, "")
		r.json(t, &l)
		if l.Meta.Next == "" {
			t.Fatalf("no next page after %s", query)
		}
		return q(l.Meta.Next)
	}
	deep, deepByTitle := cursor("offset=5000"), cursor("sort=title&offset=5000")
	requests := []struct {
		path  string
		token string
	}{
		// Delivery.
		{"/api/content/post", token},
		{"/api/content/post?filter[category]=" + pick.Category + "&sort=-published_at&limit=20", token},
		{"/api/content/post?filter[title][eq]=" + q(pick.Title), token},
		{"/api/content/post?search=harbour", token},
		{"/api/content/post?include=category", token},
		{"/api/content/post/" + pick.Slug, token},
		{"/api/content/post?offset=1000", token},
		{"/api/content/post?after=" + deep, token},
		{"/api/content/post?sort=title&after=" + deepByTitle, token},
		// Admin lists.
		{"/api/entries", n.admin.access},
		{"/api/entries?type=post", n.admin.access},
		{"/api/entries?status=in_review", n.admin.access},
		{"/api/entries?search=harbour", n.admin.access},
		{"/api/search?q=harbour", n.admin.access},
		{"/api/entries?author=" + pick.Author, n.admin.access},
		{"/api/entries?type=post&locale=en", n.admin.access},
		{"/api/audit", n.admin.access},
		{"/api/audit?actor=" + pick.Actor, n.admin.access},
		{"/api/audit?action=entry.", n.admin.access},
		{"/api/audit?object_id=" + pick.Entry, n.admin.access},
		{"/api/audit?object_type=entries/post&object_id=" + pick.Entry, n.admin.access},
		{"/api/media", n.admin.access},
		{"/api/media?search=harbour", n.admin.access},
		{"/api/notifications", n.admin.access},
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	for _, rq := range requests {
		mu.Lock()
		recorded, recording = nil, true
		mu.Unlock()
		r := n.do(request{method: "GET", path: rq.path, token: rq.token})
		mu.Lock()
		stmts := recorded
		recording = false
		mu.Unlock()
		expect(t, r, 200, "")

		var scans []string
		read := false
		for _, st := range stmts {
			plan, err := explain(t.Context(), sqlDB, st)
			if err != nil {
				t.Errorf("%s: EXPLAIN %s: %v", rq.path, st.sql, err)
				continue
			}
			bad := plan.scans(0, false)
			if len(bad) == 0 && !touchesBigTable(plan) {
				continue // the users, the content type, the token: small tables
			}
			read = true
			t.Logf("%s\n\t%s\n\t%s", rq.path, oneLine(st.sql), plan.summary())
			for _, b := range bad {
				scans = append(scans, fmt.Sprintf("%s\n\tSQL: %s\n\tvars: %v\n\tplan: %s", b, oneLine(st.sql), st.vars, plan.summary()))
			}
		}
		if !read {
			t.Errorf("%s read no big table (%d statements): answered from a cache?", rq.path, len(stmts))
		}
		left, known := knownScans[rq.path]
		switch {
		case len(scans) > 0 && known:
			t.Logf("KNOWN SCAN %s (%s):\n%s", rq.path, left, strings.Join(scans, "\n"))
		case len(scans) > 0:
			t.Errorf("%s scans:\n%s", rq.path, strings.Join(scans, "\n"))
		case known:
			t.Errorf("%s no longer scans: take it off knownScans", rq.path)
		}
	}
}

var selectSQL = regexp.MustCompile(`(?i)^(SELECT|WITH)\b`)

// statement is one SELECT a request issued, with its parameters.
type statement struct {
	sql  string
	vars []any
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	Index     string     `json:"Index Name"`
	Direction string     `json:"Scan Direction"`
	Filter    string     `json:"Filter"`
	Rows      float64    `json:"Plan Rows"`
	Cost      float64    `json:"Total Cost"`
	Plans     []planNode `json:"Plans"`
}

// explain plans st with its own parameters (the plan a request gets).
func explain(ctx context.Context, db *sql.DB, st statement) (*planNode, error) {
	var out string
	if err := db.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+st.sql, st.vars...).Scan(&out); err != nil {
		return nil, err
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		return nil, fmt.Errorf("plan %s: %v", out, err)
	}
	return &plans[0].Plan, nil
}

// scans lists the nodes of the plan that read a big table from end to end:
// a Seq Scan, and anything under a Sort that does. limit is the rows of the
// Limit right above (0 when there is none): a Seq Scan that the planner
// expects to stop early, when it has found at least twice the limit's rows
// (a count capped at 10,001 of the 60 % of records in one area), reads a
// bounded part of the table, however big it grows, and passes.
func (p *planNode) scans(limit float64, underSort bool) []string {
	var out []string
	if p.NodeType == "Seq Scan" && slices.Contains(bigTables, p.Relation) {
		switch {
		case underSort:
			out = append(out, "Sort over a Seq Scan on "+p.Relation+filterText(p.Filter))
		case limit > 0 && p.Rows >= 2*limit:
		default:
			out = append(out, "Seq Scan on "+p.Relation+filterText(p.Filter))
		}
	}
	for i := range p.Plans {
		// A Limit bounds what its child reads only when nothing between
		// them (a sort, an aggregate, a join) needs every row first.
		var below float64
		switch {
		case p.NodeType == "Limit":
			below = p.Rows
		case slices.Contains([]string{"Subquery Scan", "Gather", "Result"}, p.NodeType):
			below = limit
		}
		out = append(out, p.Plans[i].scans(below, underSort || p.NodeType == "Sort")...)
	}
	return out
}

func filterText(f string) string {
	if f == "" {
		return ""
	}
	return " (filter " + f + ")"
}

// touchesBigTable reports whether any node of the plan reads a big table.
func touchesBigTable(p *planNode) bool {
	if slices.Contains(bigTables, p.Relation) {
		return true
	}
	return slices.ContainsFunc(p.Plans, func(c planNode) bool { return touchesBigTable(&c) })
}

// summary is the plan on one line: each node with its index or table,
// children in brackets, and the top node's estimated cost and rows.
func (p *planNode) summary() string {
	return fmt.Sprintf("%s (cost %.0f, rows %.0f)", p.tree(), p.Cost, p.Rows)
}

func (p *planNode) tree() string {
	s := p.NodeType
	if p.Direction == "Backward" {
		s += " Backward"
	}
	if p.Index != "" {
		s += " using " + p.Index
	}
	if p.Relation != "" {
		s += " on " + p.Relation
	}
	if len(p.Plans) > 0 {
		var kids []string
		for i := range p.Plans {
			kids = append(kids, p.Plans[i].tree())
		}
		s += " [" + strings.Join(kids, ", ") + "]"
	}
	return s
}

var spaces = regexp.MustCompile(`\s+`)

func oneLine(sql string) string { return spaces.ReplaceAllString(sql, " ") }

// explainFill is the SQL that gives the database a site's worth of rows,
// shaped as the services write them: 30 more people, 300 categories and
// 19,700 posts (70 % published, 10 % in French, half with a hero image, one
// in ten on a harbour), a snapshot of each published entry and one or two
// revisions each, 10,000 media, 50,000 audit records (60 % of them about
// entries) and 20,000 notifications (a fifth of them the admin's, half of
// all unread). No list reads the history or the outbox, so they stay empty.
func explainFill(admin string) []string {
	user := `md5('u' || (%s %% 30 + 1))::uuid::text`
	u := func(expr string) string { return fmt.Sprintf(user, expr) }
	return []string{
		`INSERT INTO users (id, email, name, password_hash, roles, disabled, password_changed_at, created_at, updated_at)
		SELECT md5('u' || g)::uuid::text, 'user' || g || '@example.com', 'User ' || g, 'x', '["editor"]', FALSE, now(), now(), now()
		FROM generate_series(1, 30) g`,

		`INSERT INTO media (id, filename, mime, kind, size, width, height, alt, title, sha256, storage_key, version, created_by, created_at, updated_at)
		SELECT md5('m' || g)::uuid::text, 'photo-' || g || '.jpg', 'image/jpeg', 'image', 100000 + g, 1600, 900,
			'A ' || (ARRAY['harbour','lantern','meadow','orchard','quarry','river','signal','timber','valley','willow'])[g % 10 + 1] || ' at dusk, ' || g, '', md5('s' || g), 'media/' || g,
			1, ` + u("g") + `, now() - g * interval '17 minutes', now() - g * interval '17 minutes'
		FROM generate_series(1, 10000) g`,

		`CREATE TEMP TABLE fill_entries AS
		SELECT md5('c' || g)::uuid::text AS id, 'category' AS type, 'category-' || g AS slug, 'en' AS locale, 'published' AS status,
			jsonb_build_object('name', 'Category ' || g, 'description', 'All about ' || g) AS data,
			` + u("g") + ` AS author, g AS n, now() - g * interval '1 day' AS changed, now() - g * interval '1 day' AS published
		FROM generate_series(1, 300) g
		UNION ALL
		SELECT md5('p' || g)::uuid::text, 'post', 'post-' || g, CASE WHEN g % 10 = 0 THEN 'fr' ELSE 'en' END,
			(ARRAY['published','published','published','published','published','published','published','published',
				'published','published','published','published','published','published',
				'draft','draft','in_review','approved','changes_requested','scheduled'])[g % 20 + 1],
			jsonb_build_object('title', 'Post ' || g || ' on the ' || (ARRAY['harbour','lantern','meadow','orchard','quarry','river','signal','timber','valley','willow'])[g % 10 + 1],
				'summary', 'What happened in week ' || g, 'body', '<p>The long text of post ' || g || '.</p>',
				'category', md5('c' || (g % 300 + 1))::uuid::text)
			|| CASE WHEN g % 2 = 0 THEN jsonb_build_object('hero', md5('m' || (g % 10000 + 1))::uuid::text) ELSE '{}' END,
			` + u("g") + `, g, now() - g * interval '13 minutes', now() - g * interval '13 minutes' - interval '1 hour'
		FROM generate_series(1, 19700) g`,

		`INSERT INTO entries (id, document_id, type, slug, locale, status, version, revision, data, author_id, revision_author_id,
			published_revision, published_at, publish_at, created_at, updated_at)
		SELECT id, id, type, slug, locale, status, 5, 1 + n % 2, data, author, author,
			CASE WHEN status = 'published' THEN 1 + n % 2 END, CASE WHEN status = 'published' THEN published END,
			CASE WHEN status = 'scheduled' THEN now() + n * interval '1 minute' END, changed - interval '1 day', changed
		FROM fill_entries`,

		`INSERT INTO published_entries (entry_id, document_id, type, slug, locale, revision, data, attrs, search_text, published_at, updated_at)
		SELECT id, id, type, slug, locale, 1 + n % 2, data, data - 'body',
			lower(concat_ws(' ', data->>'name', data->>'description', data->>'title', data->>'summary', 'the long text of post ' || n)),
			published, changed
		FROM fill_entries WHERE status = 'published'`,

		`INSERT INTO revisions (id, entry_id, number, slug, data, author_id, created_at)
		SELECT md5('r' || id || r)::uuid::text, id, r, slug, data, author, changed - (2 - r) * interval '1 hour'
		FROM fill_entries, generate_series(1, 2) r WHERE r <= 1 + n % 2`,

		`INSERT INTO audit_records (id, at, actor_id, actor_name, action, area, object_type, object_id, summary, ip, request_id)
		SELECT md5('a' || g)::uuid::text, now() - g * interval '5 minutes', CASE WHEN g % 25 = 0 THEN '' ELSE ` + u("g") + ` END,
			'User ' || (g % 30 + 1), a.action, split_part(a.action, '.', 1),
			CASE split_part(a.action, '.', 1) WHEN 'entry' THEN 'entries/post' WHEN 'user' THEN 'users' WHEN 'media' THEN 'media' ELSE 'tokens' END,
			CASE split_part(a.action, '.', 1) WHEN 'entry' THEN md5('p' || (g % 19700 + 1))::uuid::text
				WHEN 'media' THEN md5('m' || (g % 10000 + 1))::uuid::text ELSE ` + u("g") + ` END,
			'changed title', '192.0.2.' || (g % 250), md5('q' || g)
		FROM generate_series(1, 50000) g,
			LATERAL (SELECT (ARRAY['entry.updated','entry.updated','entry.published','entry.created','entry.submitted',
				'entry.approved','user.signed_in','user.signed_in','media.created','token.created'])[g % 10 + 1] AS action) a`,

		`INSERT INTO notifications (id, user_id, kind, entry_id, entry_title, actor_id, at, read_at)
		SELECT md5('n' || g)::uuid::text, CASE WHEN g % 5 = 0 THEN '` + admin + `' ELSE ` + u("g") + ` END,
			(ARRAY['comment','approved','published','submitted'])[g % 4 + 1], md5('p' || (g % 19700 + 1))::uuid::text,
			'Post ' || g, ` + u("(g + 7)") + `, now() - g * interval '9 minutes', CASE WHEN g % 2 = 0 THEN now() END
		FROM generate_series(1, 20000) g`,

		`DROP TABLE fill_entries`,
	}
}
