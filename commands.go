package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/internal/config"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/demo"
	"github.com/loamcms/cms/internal/logging"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/internal/typegen"
	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/migrations"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/server"
)

const usage = `cms — a headless CMS in one binary

Usage:
  cms serve                 run the API and the admin UI (migrates the database first)
  cms migrate [status]      apply pending database migrations, or show the schema version
  cms serve --demo          the same, and on first start seed demo users, an article and a token
  cms seed demo             seed the demo content into the configured database
  cms user create --email E --roles admin[,editor,reviewer] [--name N]
                            create a user; the password is read from CMS_USER_PASSWORD,
                            or generated and printed
  cms types ts              print TypeScript types of the content types (items and entry data)
  cms healthcheck [--addr A] exit 0 when the serve on this machine is ready (for containers)
  cms version               the version, commit and platform of this binary
  cms help                  this text

Run "cms COMMAND -h" for a command's flags. Every flag has an environment
variable (CMS_ADDR, CMS_DATABASE_URL, CMS_DATA_DIR, CMS_MAX_BODY, …).
`

func run(args []string, log *slog.Logger) error {
	if len(args) == 0 {
		fmt.Print(usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], log)
	case "migrate":
		return migrate(args[1:], log)
	case "user":
		return user(args[1:], log)
	case "seed":
		return seed(args[1:], log)
	case "types":
		return typesCmd(args[1:], log)
	case "healthcheck":
		return healthcheck(args[1:])
	case "version", "--version", "-v":
		fmt.Println(version())
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	default:
		fmt.Print(usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// parse reads a command's flags (and their environment variables).
func parse(name string, args []string, extra func(*flag.FlagSet)) (*config.Config, error) {
	fs := flag.NewFlagSet("cms "+name, flag.ContinueOnError)
	f := config.Register(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return f.Finish()
}

func serve(args []string, log *slog.Logger) error {
	var withDemo bool
	cfg, err := parse("serve", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&withDemo, "demo", false, "seed demo users, content and a delivery token on first start")
	})
	if err != nil {
		return err
	}
	if log, err = logging.New(os.Stderr, cfg.LogFormat, cfg.LogLevel); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.db.Close()
	if withDemo {
		if err := a.seedDemo(ctx); err != nil {
			return err
		}
	}
	if err := a.firstAdmin(ctx); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	handler := a.server()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	// Background work runs in one group; serve returns (and the deferred
	// Close runs) only after every part of it has stopped.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		// Stop accepting, let in-flight requests finish, then exit 0.
		log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
		return nil
	})
	g.Go(func() error { a.housekeeping(gctx); return nil })
	g.Go(func() error { a.content.RunScheduler(gctx, schedulerInterval, log); return nil })
	g.Go(func() error { a.changes.Watch(gctx, a.db.DB, cfg.DatabaseURL, changesPollInterval); return nil })
	g.Go(func() error { a.audit.RunPrune(gctx, time.Hour, log); return nil })
	g.Go(func() error { return a.outbox.Run(gctx) })
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.metrics(handler))
		if err := a.serveSide(g, gctx, "metrics", cfg.MetricsAddr, mux); err != nil {
			return err
		}
	}
	if cfg.DebugAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		if err := a.serveSide(g, gctx, "pprof", cfg.DebugAddr, mux); err != nil {
			return err
		}
	}
	media.Warm()
	log.Info("serving", "addr", ln.Addr().String(), "database", database.Redact(cfg.DatabaseURL), "admin", cfg.PublicURL+"/admin/")

	if err := g.Wait(); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// serveSide serves an operator's side listener (metrics, pprof) in g until
// ctx ends. It is never the public address: bind it to a private one.
func (a *app) serveSide(g *errgroup.Group, ctx context.Context, what, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	g.Go(func() error {
		<-ctx.Done()
		return srv.Close()
	})
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	a.log.Info("serving "+what, "addr", ln.Addr().String())
	return nil
}

// metrics is /metrics: the server's request and cache figures, the
// connection pool, the job queue and the scheduler's lag.
func (a *app) metrics(s *server.Server) http.Handler {
	sqlDB, _ := a.db.DB.DB()
	return s.Metrics(sqlDB,
		server.Gauge{Name: "cms_jobs_pending", Help: "Outbox dispatches and webhook deliveries not yet done.",
			Read: func(ctx context.Context) (float64, error) { n, err := a.outbox.Pending(ctx); return float64(n), err }},
		server.Gauge{Name: "cms_scheduler_lag_seconds", Help: "How long the most overdue scheduled entry has waited past its time.",
			Read: func(ctx context.Context) (float64, error) {
				d, err := a.content.SchedulerLag(ctx)
				return d.Seconds(), err
			}},
	)
}

// changesPollInterval is how often serve checks for changes made by other
// processes (beyond PostgreSQL's notifications, which arrive at once).
const changesPollInterval = 500 * time.Millisecond

// schedulerInterval is how often serve looks for scheduled entries that are
// due: they go live within about this long of their time.
const schedulerInterval = 500 * time.Millisecond

// housekeeping prunes dead sessions, throttle counts and setup links hourly.
func (a *app) housekeeping(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if err := a.accounts.Prune(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("pruning accounts", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// firstAdmin creates the configured first admin, or prints a one-time setup
// link, while the database has no admin.
func (a *app) firstAdmin(ctx context.Context) error {
	if a.cfg.AdminEmail != "" && a.cfg.AdminPassword != "" {
		created, err := a.accounts.BootstrapAdmin(ctx, a.cfg.AdminEmail, a.cfg.AdminPassword)
		if err != nil {
			return fmt.Errorf("CMS_ADMIN_EMAIL/CMS_ADMIN_PASSWORD: %w", err)
		}
		if created {
			a.log.Info("created the first admin", "email", a.cfg.AdminEmail)
		}
		return nil
	}
	token, err := a.accounts.NewSetupToken(ctx)
	if err != nil || token == "" {
		return err
	}
	// Printed, not logged: the link is a secret meant for the person at the terminal.
	fmt.Fprintf(os.Stderr, "\n  No admin yet. Create the first admin within 24 hours at:\n\n    %s/admin/setup?token=%s\n\n", a.cfg.PublicURL, token)
	return nil
}

// seedDemo seeds the demo once and prints how to use it.
func (a *app) seedDemo(ctx context.Context) error {
	d, err := demo.Seed(ctx, a.accounts, a.content, a.media)
	if errors.Is(err, demo.ErrSeeded) {
		fmt.Fprintln(os.Stderr, "  The demo content is there already (its passwords were printed when it was made).")
		return nil
	} else if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(os.Stderr, `
  Demo content is ready.
    editor:   %s  password %s
    reviewer: %s  password %s
    delivery token: %s

    curl -H 'Authorization: Bearer %s' %s/api/content/post/%s

`, demo.EditorEmail, d.EditorPassword, demo.ReviewerEmail, d.ReviewerPassword, d.DeliveryToken,
		d.DeliveryToken, a.cfg.PublicURL, demo.ArticleSlug)
	return nil
}

// typesCmd prints the content types of the configured database in
// another language (TypeScript: `cms types ts > src/cms.d.ts`).
func typesCmd(args []string, log *slog.Logger) error {
	return subcommand("types", "ts", args, log, func(ctx context.Context, a *app) error {
		types, err := a.content.ListTypes(ctx, models.Principal{System: true})
		if err != nil {
			return err
		}
		fmt.Print(typegen.TypeScript(types))
		return nil
	})
}

func seed(args []string, log *slog.Logger) error {
	return subcommand("seed", "demo", args, log, func(ctx context.Context, a *app) error { return a.seedDemo(ctx) })
}

// subcommand runs `cms name sub [flags]` on the configured database.
func subcommand(name, sub string, args []string, log *slog.Logger, run func(context.Context, *app) error) error {
	if len(args) == 0 || args[0] != sub {
		return fmt.Errorf("usage: cms %s %s", name, sub)
	}
	cfg, err := parse(name+" "+sub, args[1:], nil)
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.db.Close()
	return run(ctx, a)
}

func migrate(args []string, log *slog.Logger) error {
	var status bool
	if len(args) > 0 && args[0] == "status" {
		status, args = true, args[1:]
	}
	cfg, err := parse("migrate", args, nil)
	if err != nil {
		return err
	}
	db, err := database.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	ctx := context.Background()
	if !status {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		if err := outbox.Migrate(ctx, db); err != nil {
			return err
		}
		log.Info("migrations applied", "versions", applied)
	}
	current, latest, err := migrations.Status(ctx, sqlDB, db.Dialect)
	if err != nil {
		return err
	}
	fmt.Printf("schema version %d of %d (%s)\n", current, latest, db.Dialect)
	return nil
}

func user(args []string, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(`usage: cms user create --email E --roles R[,R] [--name N]`)
	}
	var email, name, roles string
	cfg, err := parse("user create", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address (required)")
		fs.StringVar(&name, "name", "", "display name (default: the email's local part)")
		fs.StringVar(&roles, "roles", models.RoleEditor, "comma-separated roles: admin, editor, reviewer")
	})
	if err != nil {
		return err
	}
	password, generated := os.Getenv("CMS_USER_PASSWORD"), false
	if password == "" {
		password, generated = rand.Text(), true
	}
	ctx := context.Background()
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.db.Close()
	u, err := a.accounts.CreateUser(ctx, models.Principal{System: true}, accounts.NewUser{
		Email: email, Name: name, Password: password, Roles: strings.Split(roles, ","),
	})
	if err != nil {
		var me *models.Error
		if errors.As(err, &me) && len(me.Fields) > 0 {
			return fmt.Errorf("%s: %v", me.Message, me.Fields)
		}
		return err
	}
	fmt.Printf("created %s (%s) with roles %s\n", u.Email, u.ID, strings.Join(u.Roles, ","))
	if generated {
		fmt.Printf("password: %s\n", password)
	}
	return nil
}
