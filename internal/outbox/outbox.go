// Package outbox records the events of committed changes and hands them on.
//
// A service writes an event with Record inside the transaction of the change
// that causes it; in the same transaction Record inserts a River job that
// dispatches the event, so an event (and its dispatch) exists exactly when its
// change does. After commit, River runs the dispatch job, which calls every
// Handler registered with Handle (webhooks, audit, notifications, caches),
// each of which may insert further jobs in the dispatch's transaction.
//
// On SQLite River uses riversqlite over GORM's *sql.DB; on PostgreSQL it
// uses riverdatabasesql (poll only) over the same *sql.DB, so one pool and
// one database carry everything. This package imports no service package.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/migrations"
	"github.com/loamcms/cms/models"
)

// Event is one thing that happened. ID (UUIDv7) and OccurredAt are filled
// in by Record when empty. Data is marshalled to a JSON object.
type Event struct {
	ID         string
	Type       string // e.g. models.EventEntryPublished
	ObjectType string // e.g. "entries/post", "media", "content_types"
	ObjectID   string
	ActorID    string
	Data       any
	OccurredAt time.Time
	Subject    string // a label of the object: an entry's title, a file's name, an email
	Summary    string // what changed, in words; never a secret
	IP         string // filled by Store from the transaction's context (models.WithRequest)
	RequestID  string
}

// ContentType returns the content type key of an entry event's ObjectType
// ("entries/post" → "post"), or "" for other objects.
func (e Event) ContentType() string {
	if key, ok := strings.CutPrefix(e.ObjectType, "entries/"); ok {
		return key
	}
	return ""
}

// RawData returns Data as JSON.
func (e Event) RawData() json.RawMessage {
	if raw, ok := e.Data.(json.RawMessage); ok {
		return raw
	}
	b, err := json.Marshal(e.Data)
	if err != nil || string(b) == "null" {
		return json.RawMessage(`{}`)
	}
	return b
}

func fromRow(r models.OutboxEvent) Event {
	return Event{ID: r.ID, Type: r.Type, ObjectType: r.ObjectType, ObjectID: r.ObjectID, ActorID: r.ActorID,
		Data: json.RawMessage(r.Data), OccurredAt: r.OccurredAt, Subject: r.Subject, Summary: r.Summary,
		IP: r.IP, RequestID: r.RequestID}
}

// Load reads a stored event.
func Load(db *gorm.DB, id string) (Event, error) {
	var r models.OutboxEvent
	if err := db.Where("id = ?", id).Take(&r).Error; err != nil {
		return Event{}, err
	}
	return fromRow(r), nil
}

// Store writes the event row only, without dispatching it (for events meant
// for one consumer, such as a webhook's ping). It returns the event as stored.
func Store(tx *gorm.DB, e Event) (Event, error) {
	if e.Type == "" {
		return e, errors.New("outbox: an event needs a type")
	}
	if e.ID == "" {
		e.ID = uuid.Must(uuid.NewV7()).String()
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	if len(e.Summary) > maxSummary {
		e.Summary = strings.ToValidUTF8(e.Summary[:maxSummary], "") + "…"
	}
	if len(e.Subject) > maxSummary {
		e.Subject = strings.ToValidUTF8(e.Subject[:maxSummary], "") + "…"
	}
	if e.IP == "" && e.RequestID == "" {
		req := models.RequestFrom(tx.Statement.Context)
		e.IP, e.RequestID = req.IP, req.ID
	}
	raw := e.RawData()
	e.Data = raw
	row := models.OutboxEvent{ID: e.ID, Type: e.Type, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		ActorID: e.ActorID, Data: string(raw), OccurredAt: e.OccurredAt, Subject: e.Subject, Summary: e.Summary,
		IP: e.IP, RequestID: e.RequestID}
	if err := tx.Create(&row).Error; err != nil {
		return e, fmt.Errorf("outbox: %w", err)
	}
	return e, nil
}

// maxSummary bounds an event's summary and subject (a review comment, a
// title, an email typed at sign-in can be long).
const maxSummary = 500

// DispatchArgs is the job that hands one event to the handlers.
type DispatchArgs struct {
	EventID string `json:"event_id"`
}

// Kind names the job in River's tables.
func (DispatchArgs) Kind() string { return "outbox.dispatch" }

// Record writes e in tx, the caller's transaction, and inserts the job that
// dispatches it in the same transaction. tx must be a transaction of a
// database opened with New (any Outbox on it). A rolled-back transaction
// leaves neither the event nor the job.
func Record(tx *gorm.DB, e Event) error {
	o, err := lookup(tx)
	if err != nil {
		return err
	}
	return o.Record(tx, e)
}

// Record is the package-level Record for this outbox.
func (o *Outbox) Record(tx *gorm.DB, e Event) error {
	e, err := Store(tx, e)
	if err != nil {
		return err
	}
	_, err = o.InsertTx(tx, DispatchArgs{EventID: e.ID}, nil)
	return err
}

// SQLTx returns the *sql.Tx under a GORM transaction.
func SQLTx(tx *gorm.DB) (*sql.Tx, error) {
	if t, ok := tx.Statement.ConnPool.(*sql.Tx); ok {
		return t, nil
	}
	return nil, errors.New("outbox: not inside a transaction (use db.Transaction or outbox.Transaction)")
}

// InsertTx inserts a River job in a GORM transaction.
func (o *Outbox) InsertTx(tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	stx, err := SQLTx(tx)
	if err != nil {
		return nil, err
	}
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := o.inserter.InsertTx(ctx, stx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("outbox: insert job: %w", err)
	}
	return res, nil
}

// Handler consumes an event inside the dispatch job's transaction. An error
// makes River retry the dispatch later (every handler runs again, so handlers
// must tolerate seeing an event twice: insert unique jobs).
type Handler func(ctx context.Context, tx *gorm.DB, e Event) error

// Config tunes the River client. Zero values take the defaults.
type Config struct {
	MaxWorkers   int           // per process, default 20
	PollInterval time.Duration // how often to look for new jobs, default 100 ms (an event passes two polls: dispatch, then delivery)
	RetryPolicy  river.ClientRetryPolicy
	Logger       *slog.Logger
	// JobTimeout bounds one job run, default 30 s (a worker may set its own).
	JobTimeout time.Duration
	// RescueAfter is when a job still marked running is taken for the work
	// of a dead process (kill -9, a lost machine) and run again, default
	// 1 minute; it must exceed every job's timeout.
	RescueAfter time.Duration
}

// Outbox owns the River client of one database.
type Outbox struct {
	db       *database.DB
	cfg      Config
	driver   riverdriver.Driver[*sql.Tx]
	inserter *river.Client[*sql.Tx] // insert-only, ready from New on
	workers  *river.Workers

	mu       sync.Mutex
	handlers []named
	client   *river.Client[*sql.Tx] // the working client, from Start
}

type named struct {
	name string
	h    Handler
}

// registry finds the Outbox of a transaction by its connection pool (the
// *sql.DB under every session and transaction of one gorm.Open).
var registry sync.Map // gorm.ConnPool → *Outbox

// lookup finds the Outbox of tx's database, or makes one (insert-only until
// someone starts it) for a database that was opened without outbox.New, such
// as a second instance in a test: recording needs only the tables.
func lookup(tx *gorm.DB) (*Outbox, error) {
	if o, ok := registry.Load(tx.Config.ConnPool); ok {
		return o.(*Outbox), nil
	}
	if _, ok := tx.Config.ConnPool.(*sql.DB); !ok {
		return nil, errors.New("outbox: the database's pool is not a *sql.DB")
	}
	base := tx.Session(&gorm.Session{NewDB: true, Context: context.Background()})
	base.Statement.ConnPool = tx.Config.ConnPool
	return New(&database.DB{DB: base, Dialect: tx.Dialector.Name()}, Config{})
}

func driverFor(db *database.DB) (riverdriver.Driver[*sql.Tx], error) {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, err
	}
	switch db.Dialect {
	case migrations.SQLite:
		return riversqlite.New(sqlDB), nil
	case migrations.Postgres:
		return riverdatabasesql.New(sqlDB), nil
	default:
		return nil, fmt.Errorf("outbox: unknown dialect %q", db.Dialect)
	}
}

// Migrate applies River's own migrations (its job tables) to db. Run it at
// startup after db.Migrate; concurrent starts are safe (db.MigrationLock).
func Migrate(ctx context.Context, db *database.DB) error {
	drv, err := driverFor(db)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(drv, nil)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return db.MigrationLock(ctx, func() error {
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("outbox: river migrations: %w", err)
		}
		return nil
	})
}

// New prepares the outbox of db (River's tables must exist: Migrate). Record
// works from now on; jobs run once Start is called. Register handlers and
// workers (Handle, Workers) before Start.
func New(db *database.DB, cfg Config) (*Outbox, error) {
	drv, err := driverFor(db)
	if err != nil {
		return nil, err
	}
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 20
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 30 * time.Second
	}
	if cfg.RescueAfter <= 0 {
		cfg.RescueAfter = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	inserter, err := river.NewClient(drv, &river.Config{Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	o := &Outbox{db: db, cfg: cfg, driver: drv, inserter: inserter, workers: river.NewWorkers()}
	river.AddWorker(o.workers, &dispatchWorker{o: o})
	river.AddWorker(o.workers, &handleWorker{o: o})
	registry.LoadOrStore(db.Config.ConnPool, o)
	return o, nil
}

// DB is the database of the outbox.
func (o *Outbox) DB() *database.DB { return o.db }

// Workers is where consumers add their River workers (before Start).
func (o *Outbox) Workers() *river.Workers { return o.workers }

// Handle registers a handler called for every dispatched event.
func (o *Outbox) Handle(name string, h Handler) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.handlers = append(o.handlers, named{name, h})
}

// Start starts working jobs; it returns at once. Call Stop to end.
func (o *Outbox) Start(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.client != nil {
		return errors.New("outbox: already started")
	}
	cooldown := min(o.cfg.PollInterval, 100*time.Millisecond)
	client, err := river.NewClient(o.driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.cfg.MaxWorkers}},
		Workers:           o.workers,
		FetchPollInterval: o.cfg.PollInterval,
		FetchCooldown:     cooldown,
		PollOnly:          true,
		RetryPolicy:       o.cfg.RetryPolicy,
		JobTimeout:        o.cfg.JobTimeout,
		// River's default is an hour: far too long for a webhook that a
		// killed process was sending.
		RescueStuckJobsAfter: o.cfg.RescueAfter,
		Logger:               o.cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("outbox: start: %w", err)
	}
	o.client = client
	return nil
}

// Stop lets running jobs finish (until ctx ends) and stops the client.
func (o *Outbox) Stop(ctx context.Context) error {
	o.mu.Lock()
	c := o.client
	o.client = nil
	o.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.Stop(ctx)
}

// Run starts the outbox, waits for ctx to end, then stops it, giving running
// jobs up to 10 s before cancelling them: the shape an errgroup wants (g.Go(func() error { return ob.Run(ctx) })).
func (o *Outbox) Run(ctx context.Context) error {
	if err := o.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	<-ctx.Done()
	o.mu.Lock()
	c := o.client
	o.client = nil
	o.mu.Unlock()
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Stop(stopCtx); !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// A job still running (a slow receiver) is cancelled: River runs it
	// again later, here or on another instance, under the same webhook-id.
	cancelCtx, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	return c.StopAndCancel(cancelCtx)
}

type dispatchWorker struct {
	river.WorkerDefaults[DispatchArgs]
	o *Outbox
}

func (w *dispatchWorker) Work(ctx context.Context, job *river.Job[DispatchArgs]) error {
	w.o.mu.Lock()
	hs := append([]named(nil), w.o.handlers...)
	w.o.mu.Unlock()
	return w.o.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := Load(tx, job.Args.EventID)
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil // pruned: nothing left to hand on
		}
		if err != nil {
			return err
		}
		// Each consumer in a savepoint of its own: one that fails (its
		// writes undone) is retried alone, and never costs the others
		// their turn.
		for _, h := range hs {
			err := tx.Transaction(func(sp *gorm.DB) error { return h.h(ctx, sp, e) })
			if err == nil {
				continue
			}
			w.o.cfg.Logger.Warn("outbox: a handler failed; retrying it alone", "handler", h.name, "event_id", e.ID, "error", err)
			if _, err := w.o.InsertTx(tx, HandleArgs{EventID: e.ID, Handler: h.name}, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// HandleArgs is the job that runs one handler on one event again, after it
// failed during the event's dispatch. River retries it with backoff.
type HandleArgs struct {
	EventID string `json:"event_id"`
	Handler string `json:"handler"`
}

// Kind names the job in River's tables.
func (HandleArgs) Kind() string { return "outbox.handle" }

type handleWorker struct {
	river.WorkerDefaults[HandleArgs]
	o *Outbox
}

func (w *handleWorker) Work(ctx context.Context, job *river.Job[HandleArgs]) error {
	w.o.mu.Lock()
	var h Handler
	for _, n := range w.o.handlers {
		if n.name == job.Args.Handler {
			h = n.h
		}
	}
	w.o.mu.Unlock()
	if h == nil {
		return river.JobCancel(fmt.Errorf("outbox: no handler %q", job.Args.Handler))
	}
	return w.o.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := Load(tx, job.Args.EventID)
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := h(ctx, tx, e); err != nil {
			return fmt.Errorf("outbox: handler %s: %w", job.Args.Handler, err)
		}
		return nil
	})
}

// Transaction runs fn in a transaction of db; the functions fn passes to
// after run once the transaction has committed (never after a rollback), in
// order. Use it for what must follow a commit (cache bumps, wake-ups) instead
// of hand-written pairs after each transaction.
func Transaction(db *gorm.DB, fn func(tx *gorm.DB, after func(func())) error) error {
	var hooks []func()
	err := db.Transaction(func(tx *gorm.DB) error {
		return fn(tx, func(h func()) { hooks = append(hooks, h) })
	})
	if err != nil {
		return err
	}
	for _, h := range hooks {
		h()
	}
	return nil
}

// Prune deletes events that occurred before cutoff (their dispatch and
// deliveries are long done; the audit log keeps its own copy).
func Prune(ctx context.Context, db *gorm.DB, cutoff time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("occurred_at < ?", cutoff).Delete(&models.OutboxEvent{})
	return res.RowsAffected, res.Error
}

// Pending counts the jobs not yet done (dispatches and deliveries waiting,
// retrying or running): the queue depth metric.
func (o *Outbox) Pending(ctx context.Context) (int64, error) {
	var n int64
	err := o.db.WithContext(ctx).Raw("SELECT count(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running')").Scan(&n).Error
	return n, err
}
