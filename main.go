// Command cms is the headless CMS in one binary: `cms serve` runs the API and
// the admin UI; `cms migrate` and `cms user create` are for operators and scripts.
//
// This file is wiring only: configuration → database → migrations →
// policies → services → server. The subcommands live in commands.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/audit"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/config"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/policies"
	"github.com/loamcms/cms/server"
	"github.com/loamcms/cms/webhooks"
)

// app is the wired program.
type app struct {
	cfg      *config.Config
	db       *database.DB
	accounts *accounts.Service
	content  *content.Service
	delivery *delivery.Service
	media    *media.Service
	webhooks *webhooks.Service
	audit    *audit.Service
	outbox   *outbox.Outbox // runs the dispatch and delivery jobs (serve starts it)
	changes  *changes.Feed
	log      *slog.Logger
}

// open connects to the database, brings its schema up to date and builds the services.
func open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*app, error) {
	db, err := database.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "dialect", db.Dialect, "applied", applied)
	}
	if err := outbox.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	allow, err := webhooks.ParseAllow(cfg.WebhookAllowPrivate)
	if err != nil {
		db.Close()
		return nil, err
	}
	ob, err := outbox.New(db, outbox.Config{Logger: log})
	if err != nil {
		db.Close()
		return nil, err
	}
	enforcer, err := policies.Default()
	if err != nil {
		db.Close()
		return nil, err
	}
	secret, err := config.LoadOrCreateSecret(cfg.JWTSecret, cfg.DataDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	feed := changes.New(db.Dialect, log)
	acc := accounts.New(db.DB, enforcer, accounts.Options{JWTSecret: secret, Changes: feed})
	cnt := content.New(db.DB, enforcer, content.Options{Dialect: db.Dialect, SelfApproval: cfg.SelfApproval, Changes: feed, Log: log})
	if err := cnt.EnsureIndexes(ctx); err != nil {
		db.Close()
		return nil, err
	}
	store, err := media.OpenStore(ctx, cfg.StorageURL, media.S3Keys{AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey})
	if err != nil {
		db.Close()
		return nil, err
	}
	med := media.New(db.DB, store, enforcer, media.Options{MaxUpload: cfg.MaxUpload, Changes: feed, Gen: feed.Gen, Log: log})
	dlv := delivery.New(db.DB, enforcer, delivery.Options{Dialect: db.Dialect, CacheBytes: int(cfg.CacheBytes)})
	feed.OnChange(dlv.Changed)
	hooks := webhooks.New(ob, enforcer, webhooks.Guard{Allow: allow}, webhooks.Config{})
	aud := audit.New(ob, enforcer, audit.Config{Retention: cfg.AuditRetention})
	return &app{cfg: cfg, db: db, accounts: acc, content: cnt, delivery: dlv, media: med, webhooks: hooks, audit: aud, outbox: ob,
		changes: feed, log: log}, nil
}

func (a *app) server() *server.Server {
	sqlDB, _ := a.db.DB.DB()
	return server.New(
		server.Options{MaxBody: a.cfg.MaxBody, MaxUpload: a.cfg.MaxUpload, TrustedProxies: a.cfg.TrustedProxies, SelfApproval: a.cfg.SelfApproval,
			CORSOrigins: a.cfg.CORSOrigins, CORSAdminOrigins: a.cfg.CORSAdminOrigins},
		server.Deps{Accounts: a.accounts, Content: a.content, Delivery: a.delivery, Media: a.media, Webhooks: a.webhooks, Audit: a.audit, Ping: sqlDB.PingContext, Log: a.log},
	)
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(os.Args[1:], log); errors.Is(err, flag.ErrHelp) {
		return // a command's -h: its flags were printed, as asked
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "cms:", err)
		os.Exit(1)
	}
}
