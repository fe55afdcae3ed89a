// Command media benchmarks the media pipeline of a real `cms serve`.
//
// It builds the cms binary, starts it on loopback with a fresh SQLite data
// directory, and measures:
//
//  1. uploads of distinct, photo-like 12-megapixel JPEGs (with an EXIF
//     segment, so stripping has work to do) end to end, and the first
//     ?w=800&fm=webp variant request of each, which renders it;
//
//  2. a cached variant served by the CMS against a bare Go file server of
//     the same bytes in a process of its own (this binary re-executed), both
//     loaded by the same closed-loop generator, alternating rounds;
//
//  3. the server's peak RSS (VmHWM) while 8 new variants of 8 different
//     12 MP images are rendered at once, after a restart so that the
//     uploads' peak is not counted.
//
//     cd bench && go run ./media -n 20 -conns 16 -duration 5s
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	imgW, imgH    = 4000, 3000
	jpegQuality   = 90
	adminEmail    = "bench@example.com"
	adminPassword = "bench-password-0123456789"
	concurrentRSS = 8
)

func main() {
	serveFile := flag.String("serve-file", "", "internal: serve this file at every path and print the address (the bare file server)")
	n := flag.Int("n", 20, "uploads of 12 MP JPEGs (each followed by its first variant request)")
	conns := flag.Int("conns", 16, "keep-alive connections of the load generator")
	duration := flag.Duration("duration", 5*time.Second, "load per round and server")
	rounds := flag.Int("rounds", 3, "rounds of cms/bare load")
	repo := flag.String("repo", "..", "the CMS repository (built with go build)")
	keep := flag.Bool("keep", false, "keep the temporary directory (binary, data dir, server logs)")
	perfOut := flag.String("perf", "", "after the measured rounds, record one more cms round with `perf record -g` into this file")
	flag.Parse()
	if *serveFile != "" {
		bareServer(*serveFile)
		return
	}
	if *n < 1 || *conns < 1 || *rounds < 1 || *duration <= 0 {
		fatalf("-n, -conns, -rounds and -duration must be positive")
	}

	tmp, err := os.MkdirTemp("", "cms-bench-media-")
	check(err)
	tmpDir, keepTmp = tmp, *keep
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		fatalf("interrupted")
	}()
	defer cleanup()

	bin := filepath.Join(tmp, "cms")
	start := time.Now()
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = *repo
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fatalf("go build in %s: %v", *repo, err)
	}
	fmt.Fprintf(os.Stderr, "built cms in %v\n", time.Since(start).Round(time.Millisecond))
	dataDir := filepath.Join(tmp, "data")

	fmt.Printf("media: a real `cms serve` (SQLite, folder store) on loopback, %s, GOMAXPROCS=%d (NumCPU %d), %s/%s\n",
		runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("the server is a separate process with the same GOMAXPROCS; load generator, servers and image work share the machine\n\n")

	srv := startCMS(bin, dataDir, "serve-1")
	token := login(srv.base)

	// 1. Uploads and first variants, one after the other so neither
	// competes with the other (or with the generation of the next image).
	uploads := max(*n, concurrentRSS)
	var upTimes, varTimes []time.Duration
	var jpegSizes, storedSizes, variantSizes []int64
	var items []item
	for i := range uploads {
		img := photo(uint64(i) + 1)
		name := fmt.Sprintf("photo-%02d.jpg", i)
		body, ctype := multipartBody(name, img, fmt.Sprintf("Generated photo %d", i))
		t0 := time.Now()
		it := upload(srv, token, body, ctype)
		d := time.Since(t0)
		if it.Width != imgW || it.Height != imgH {
			srv.fatalf("upload %d: the item is %d×%d, want %d×%d", i, it.Width, it.Height, imgW, imgH)
		}
		if i == 0 {
			// The stripping ran: the stored original has no EXIF left.
			if orig := getOK(srv, it.URL, "image/jpeg"); bytes.Contains(orig, []byte("Exif\x00\x00")) || !bytes.Contains(img, []byte("Exif\x00\x00")) {
				srv.fatalf("upload %d: the stored original still has its EXIF segment", i)
			}
		}
		t0 = time.Now()
		v := getOK(srv, it.URL+"&w=800&fm=webp", "image/webp")
		vd := time.Since(t0)
		items = append(items, it)
		if i < *n {
			upTimes, varTimes = append(upTimes, d), append(varTimes, vd)
			jpegSizes, storedSizes, variantSizes = append(jpegSizes, int64(len(img))), append(storedSizes, it.Size), append(variantSizes, int64(len(v)))
		}
		fmt.Fprintf(os.Stderr, "upload %2d: %6.2f MB in %v, first webp variant (%d KB) in %v\n",
			i+1, float64(len(img))/1e6, d.Round(time.Millisecond), len(v)/1000, vd.Round(time.Millisecond))
	}
	fmt.Printf("%d uploads of a distinct %d×%d JPEG (q%d, with EXIF/GPS APP1): %s MB median (%s–%s), stored after stripping %s MB; 800 px WebP variant %s KB median\n\n",
		*n, imgW, imgH, jpegQuality, mb(median(jpegSizes)), mb(slices.Min(jpegSizes)), mb(slices.Max(jpegSizes)), mb(median(storedSizes)),
		kb(median(variantSizes)))
	// The first of each is also shown alone: it is the first of the
	// process (the WebP encoder is compiled on first use).
	fmt.Printf("%-38s %4s %9s %9s %9s %9s\n", "sequential, client wall time", "n", "p50", "p99", "max", "1st")
	fmt.Printf("%-38s %4d %9s %9s %9s %9s\n", "POST /api/media (12 MP JPEG)", len(upTimes),
		msf(pct(upTimes, 50), 0), msf(pct(upTimes, 99), 0), msf(slices.Max(upTimes), 0), msf(upTimes[0], 0))
	fmt.Printf("%-38s %4d %9s %9s %9s %9s\n", "first GET ?w=800&fm=webp (renders it)", len(varTimes),
		msf(pct(varTimes, 50), 0), msf(pct(varTimes, 99), 0), msf(slices.Max(varTimes), 0), msf(varTimes[0], 0))
	fmt.Println()

	// 2. A cached variant against a bare file server of the same bytes.
	path := items[0].URL + "&w=800&fm=webp"
	res, body := get(srv.base + path)
	if res.StatusCode != 200 {
		srv.fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		srv.fatalf("GET %s: Cache-Control %q, want the 1-year immutable one", path, cc)
	}
	file := filepath.Join(tmp, "variant.webp")
	check(os.WriteFile(file, body, 0o644))
	bare := startBare(file)
	bres, bbody := get(bare.base + path)
	if bres.StatusCode != 200 || !bytes.Equal(bbody, body) {
		bare.fatalf("bare server: %d, %d bytes, want 200 and the %d bytes of the variant", bres.StatusCode, len(bbody), len(body))
	}
	fmt.Printf("cached variant (%d KB, %s) vs a bare Go file server (http.ServeFile, own process) of the same bytes:\n", len(body)/1000, res.Header.Get("Content-Type"))
	fmt.Printf("%d keep-alive connections, closed loop, %v a round, alternating cms/bare, GET %s\n",
		*conns, *duration, shorten(path))
	// Warm both up (connections, page cache, the CMS's prepared statements).
	load(srv, path, len(body), *conns, time.Second)
	load(bare, path, len(body), *conns, time.Second)
	fmt.Printf("%-6s %9s %9s %7s %9s %9s %9s %9s\n", "round", "cms rps", "bare rps", "ratio", "cms p50", "cms p99", "bare p50", "bare p99")
	var ratios, cmsRPS, bareRPS []float64
	var cmsP50, cmsP99, bareP50, bareP99 []time.Duration
	for r := range *rounds {
		c := load(srv, path, len(body), *conns, *duration)
		b := load(bare, path, len(body), *conns, *duration)
		ratio := c.rps / b.rps
		ratios, cmsRPS, bareRPS = append(ratios, ratio), append(cmsRPS, c.rps), append(bareRPS, b.rps)
		cmsP50, cmsP99, bareP50, bareP99 = append(cmsP50, c.p50), append(cmsP99, c.p99), append(bareP50, b.p50), append(bareP99, b.p99)
		fmt.Printf("%-6d %9.0f %9.0f %7.2f %9s %9s %9s %9s\n", r+1, c.rps, b.rps, ratio, msf(c.p50, 2), msf(c.p99, 2), msf(b.p50, 2), msf(b.p99, 2))
	}
	fmt.Printf("%-6s %9.0f %9.0f %7.2f %9s %9s %9s %9s   (target ratio ≥ 0.70)\n\n", "median", median(cmsRPS), median(bareRPS), median(ratios),
		msf(median(cmsP50), 2), msf(median(cmsP99), 2), msf(median(bareP50), 2), msf(median(bareP99), 2))
	bare.stop()
	if *perfOut != "" {
		profile(srv, path, len(body), *conns, *duration, *perfOut)
	}

	// 3. Peak RSS of concurrent first-variant renders, in a fresh process.
	srv.stop()
	srv = startCMS(bin, dataDir, "serve-2")
	time.Sleep(500 * time.Millisecond)
	idle := srv.memory()
	fmt.Printf("peak RSS of the cms process (VmHWM, /proc/%d/status) after a restart on the same data dir:\n", srv.cmd.Process.Pid)
	fmt.Printf("%-48s %10s %10s %9s %5s %5s\n", "", "VmHWM", "VmRSS", "wall", "200", "503")
	fmt.Printf("%-48s %10s %10s\n", "idle", mib(idle.hwm), mib(idle.rss))
	var wg sync.WaitGroup
	codes := make([]int, concurrentRSS)
	bodies := make([][]byte, concurrentRSS)
	t0 := time.Now()
	for i := range concurrentRSS {
		wg.Go(func() {
			res, b := get(srv.base + items[i].URL + "&w=1200&fm=webp")
			codes[i], bodies[i] = res.StatusCode, b
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	after := srv.memory()
	ok, busy := 0, 0
	for i, code := range codes {
		switch code {
		case 200:
			ok++
		case 503:
			busy++
		default:
			srv.fatalf("GET %s&w=1200&fm=webp: %d %s", items[i].URL, code, bodies[i])
		}
	}
	fmt.Printf("%-48s %10s %10s %9s %5d %5d\n", fmt.Sprintf("%d concurrent first GET ?w=1200&fm=webp, 8 images", concurrentRSS),
		mib(after.hwm), mib(after.rss), msf(wall, 0), ok, busy)
	srv.stop()
}

// item is what the bench needs of a media item.
type item struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Size   int64  `json:"size"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// photo makes a distinct, photo-like 4000×3000 JPEG with an EXIF segment: smooth gradients
// and soft waves (different for each seed), texture at several scales
// (so that a downscaled variant still has detail to encode, as a
// photograph's does) and per-pixel sensor noise.
func photo(seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x6d65646961))
	f := rng.Float64
	img := image.NewYCbCr(image.Rect(0, 0, imgW, imgH), image.YCbCrSubsampleRatio420)
	fx, fy, ph1, ph2 := 0.5+3*f(), 0.5+3*f(), 6.3*f(), 6.3*f()
	gx, gy := 80*f()-40, 80*f()-40
	tex := []*valueNoise{newValueNoise(rng, 400, 30), newValueNoise(rng, 60, 18), newValueNoise(rng, 12, 12), newValueNoise(rng, 4, 6)}
	for y := range imgH {
		v := float64(y) / imgH
		row := img.Y[y*img.YStride:]
		for x := range imgW {
			u := float64(x) / imgW
			l := 120 + gx*u + gy*v + 45*math.Sin(2*math.Pi*fx*u+ph1)*math.Cos(2*math.Pi*fy*v+ph2)
			for _, t := range tex {
				l += t.at(x, y)
			}
			l += float64(int(rng.Uint32()%17) - 8)
			row[x] = clamp(l)
		}
	}
	cb, cr := newValueNoise(rng, 150, 30), newValueNoise(rng, 150, 30)
	cb0, cr0 := 100+56*f(), 100+56*f()
	for y := range (imgH + 1) / 2 {
		for x := range (imgW + 1) / 2 {
			i := y*img.CStride + x
			img.Cb[i] = clamp(cb0 + cb.at(x, y) + float64(int(rng.Uint32()%5)-2))
			img.Cr[i] = clamp(cr0 + cr.at(x, y) + float64(int(rng.Uint32()%5)-2))
		}
	}
	var buf bytes.Buffer
	check(jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}))
	b := buf.Bytes()
	// Insert the APP1 right after SOI, where cameras put it.
	out := make([]byte, 0, len(b)+1024)
	out = append(out, b[:2]...)
	out = append(out, exifSegment(seed)...)
	return append(out, b[2:]...)
}

// valueNoise is smooth random texture: random values on a grid of cells
// of size cell, interpolated smoothly, in ±amp.
type valueNoise struct {
	cell, cols int
	amp        float64
	grid       []float64
}

func newValueNoise(rng *rand.Rand, cell int, amp float64) *valueNoise {
	cols, rows := imgW/cell+2, imgH/cell+2
	n := &valueNoise{cell: cell, cols: cols, amp: amp, grid: make([]float64, cols*rows)}
	for i := range n.grid {
		n.grid[i] = amp * (2*rng.Float64() - 1)
	}
	return n
}

func (n *valueNoise) at(x, y int) float64 {
	cx, cy := x/n.cell, y/n.cell
	tx, ty := smooth(float64(x%n.cell)/float64(n.cell)), smooth(float64(y%n.cell)/float64(n.cell))
	i := cy*n.cols + cx
	a, b := n.grid[i], n.grid[i+1]
	c, d := n.grid[i+n.cols], n.grid[i+n.cols+1]
	top, bottom := a+(b-a)*tx, c+(d-c)*tx
	return top + (bottom-top)*ty
}

func smooth(t float64) float64 { return t * t * (3 - 2*t) }

func clamp(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// exifSegment is an APP1 EXIF segment as a camera phone writes one: make,
// model, orientation 1 (upright, so the pixels are not re-encoded),
// date, software, and a GPS position.
func exifSegment(seed uint64) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		data     []byte // inline when ≤ 4 bytes
	}
	le := binary.LittleEndian
	ascii := func(tag uint16, s string) entry {
		return entry{tag, 2, uint32(len(s) + 1), append([]byte(s), 0)}
	}
	short := func(tag uint16, v uint16) entry { return entry{tag, 3, 1, le.AppendUint16(nil, v)} }
	long := func(tag uint16, v uint32) entry { return entry{tag, 4, 1, le.AppendUint32(nil, v)} }
	rationals := func(tag uint16, vs ...uint32) entry {
		var b []byte
		for i := 0; i < len(vs); i += 2 {
			b = le.AppendUint32(le.AppendUint32(b, vs[i]), vs[i+1])
		}
		return entry{tag, 5, uint32(len(vs) / 2), b}
	}
	// ifd lays out entries at offset off (from the TIFF header) with their
	// out-of-line data after them.
	ifd := func(off uint32, entries []entry) []byte {
		dataOff := off + 2 + uint32(len(entries))*12 + 4
		var head, data []byte
		head = le.AppendUint16(head, uint16(len(entries)))
		for _, e := range entries {
			head = le.AppendUint32(le.AppendUint16(le.AppendUint16(head, e.tag), e.typ), e.count)
			if len(e.data) <= 4 {
				head = append(head, e.data...)
				head = append(head, make([]byte, 4-len(e.data))...)
				continue
			}
			head = le.AppendUint32(head, dataOff+uint32(len(data)))
			data = append(data, e.data...)
			if len(data)%2 == 1 {
				data = append(data, 0)
			}
		}
		head = le.AppendUint32(head, 0) // no next IFD
		return append(head, data...)
	}
	date := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(seed) * time.Minute).Format("2006:01:02 15:04:05")
	// IFD0 first, then the GPS IFD: IFD0's size does not depend on the
	// pointer's value, so a first layout gives the GPS IFD's offset.
	ifd0 := func(gps uint32) []entry {
		return []entry{
			ascii(0x010F, "BenchCam"), ascii(0x0110, "Model 12"), short(0x0112, 1),
			ascii(0x0131, "loamcms bench"), ascii(0x0132, date), long(0x8825, gps),
		}
	}
	gpsOff := 8 + uint32(len(ifd(8, ifd0(0))))
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8)
	tiff = append(tiff, ifd(8, ifd0(gpsOff))...)
	tiff = append(tiff, ifd(gpsOff, []entry{
		ascii(0x0001, "N"), rationals(0x0002, 52, 1, 22, 1, uint32(seed%60)*100, 100),
		ascii(0x0003, "E"), rationals(0x0004, 4, 1, 53, 1, 1234, 100),
	})...)
	body := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(body)+2))
	return append(seg, body...)
}

func multipartBody(name string, file []byte, alt string) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	h.Set("Content-Type", "image/jpeg")
	w, err := mw.CreatePart(h)
	check(err)
	w.Write(file)
	check(mw.WriteField("alt", alt))
	check(mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// --- the servers ---

type server struct {
	name string
	base string
	cmd  *exec.Cmd
	log  string // file with its stdout and stderr
	done chan struct{}
	err  error
}

var (
	mu      sync.Mutex
	servers []*server
	tmpDir  string
	keepTmp bool
	cleaned bool
)

func startCMS(bin, dataDir, name string) *server {
	addr := freeAddr()
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CMS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "CMS_ADDR="+addr, "CMS_DATA_DIR="+dataDir, "CMS_MAX_UPLOAD=100MiB",
		"CMS_ADMIN_EMAIL="+adminEmail, "CMS_ADMIN_PASSWORD="+adminPassword, "CMS_PUBLIC_URL=http://"+addr)
	s := start(name, exec.Command(bin, "serve"), env)
	s.base = "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		select {
		case <-s.done:
			s.fatalf("%s exited before it was ready: %v", name, s.err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.fatalf("%s not ready within 60s (last: %v)", name, err)
		}
	}
}

func startBare(file string) *server {
	self, err := os.Executable()
	check(err)
	cmd := exec.Command(self, "-serve-file", file)
	out, err := cmd.StdoutPipe()
	check(err)
	s := start("bare", cmd, os.Environ())
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		s.fatalf("the bare file server did not start: %q %v", line, err)
	}
	s.base = "http://" + addr
	return s
}

func start(name string, cmd *exec.Cmd, env []string) *server {
	logFile, err := os.Create(filepath.Join(tmpDir, name+".log"))
	check(err)
	cmd.Env = env
	if cmd.Stdout == nil {
		cmd.Stdout = logFile
	}
	cmd.Stderr = logFile
	// Dies with us even if we are killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s := &server{name: name, cmd: cmd, log: logFile.Name(), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		fatalf("start %s: %v", name, err)
	}
	mu.Lock()
	servers = append(servers, s)
	mu.Unlock()
	go func() {
		s.err = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	return s
}

// stop ends the server gracefully (SIGTERM), killing it after 10 s.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// fatalf fails with the tail of the server's log.
func (s *server) fatalf(format string, args ...any) {
	b, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	fmt.Fprintf(os.Stderr, "--- last lines of %s (%s) ---\n%s\n---\n", s.name, s.log, strings.Join(lines, "\n"))
	fatalf(format, args...)
}

type mem struct{ hwm, rss int64 } // bytes

func (s *server) memory() mem {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.fatalf("reading the server's status: %v", err)
	}
	var m mem
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(line, ":")
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmHWM":
			m.hwm = n << 10
		case "VmRSS":
			m.rss = n << 10
		}
	}
	if m.hwm == 0 {
		s.fatalf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
	}
	return m
}

func cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if cleaned {
		return
	}
	cleaned = true
	for _, s := range servers {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	if tmpDir != "" {
		if keepTmp {
			fmt.Fprintf(os.Stderr, "kept %s\n", tmpDir)
		} else {
			os.RemoveAll(tmpDir)
		}
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "media bench: "+format+"\n", args...)
	cleanup()
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fatalf("%v", err)
	}
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

// bareServer is the ceiling: the same bytes from a file, served by the
// standard library at every path, in a process of its own.
func bareServer(file string) {
	if _, err := os.Stat(file); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, file) })
	fmt.Fprintln(os.Stderr, (&http.Server{Handler: h}).Serve(ln))
	os.Exit(1)
}

// profile records the cms process with perf while it serves path for d
// (a round that is not counted: perf slows what it watches).
func profile(s *server, path string, size, conns int, d time.Duration, out string) {
	out, err := filepath.Abs(out)
	check(err)
	secs := strconv.FormatFloat((d + time.Second).Seconds(), 'f', 1, 64)
	rec := exec.Command("perf", "record", "-F", "999", "-g", "-o", out, "-p", strconv.Itoa(s.cmd.Process.Pid), "--", "sleep", secs)
	var log bytes.Buffer
	rec.Stdout, rec.Stderr = &log, &log
	if err := rec.Start(); err != nil {
		fatalf("perf record: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	r := load(s, path, size, conns, d)
	if err := rec.Wait(); err != nil {
		fatalf("perf record: %v\n%s", err, log.Bytes())
	}
	fmt.Printf("perf: one more cms round under perf record: %.0f rps; see perf report -i %s --children --sort symbol\n\n", r.rps, out)
}

// --- the client ---

var client = &http.Client{Timeout: 5 * time.Minute}

func login(base string) string {
	b, _ := json.Marshal(map[string]string{"email": adminEmail, "password": adminPassword})
	res, err := client.Post(base+"/api/auth/login", "application/json", bytes.NewReader(b))
	check(err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if res.StatusCode != 200 || json.Unmarshal(body, &out) != nil || out.AccessToken == "" {
		fatalf("login: %d %s", res.StatusCode, body)
	}
	return out.AccessToken
}

func upload(s *server, token string, body []byte, ctype string) item {
	req, _ := http.NewRequest("POST", s.base+"/api/media", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ctype)
	res, err := client.Do(req)
	if err != nil {
		s.fatalf("POST /api/media: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var it item
	if res.StatusCode != 201 || json.Unmarshal(b, &it) != nil || it.ID == "" || !strings.Contains(it.URL, "?v=") {
		s.fatalf("POST /api/media: %d %s", res.StatusCode, b)
	}
	return it
}

func get(u string) (*http.Response, []byte) {
	res, err := client.Get(u)
	if err != nil {
		fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		fatalf("GET %s: %v", u, err)
	}
	return res, b
}

func getOK(s *server, path, ctype string) []byte {
	res, b := get(s.base + path)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != ctype {
		s.fatalf("GET %s: %d %s %.200q", path, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	return b
}

type result struct {
	rps      float64
	p50, p99 time.Duration
}

// load requests path from s as fast as conns keep-alive connections
// allow (a closed loop: each sends its next request when the last answer
// is read) for d, and fails on any answer but 200 with size bytes.
func load(s *server, path string, size, conns int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
		DialContext: (&net.Dialer{}).DialContext}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	url := s.base + path
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	lats := make([][]time.Duration, conns)
	errs := make([]error, conns)
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := range conns {
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			for ctx.Err() == nil {
				start := time.Now()
				res, err := c.Get(url)
				if err != nil {
					errs[w] = err
					return
				}
				n, err := io.CopyBuffer(io.Discard, res.Body, buf)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 || int(n) != size {
					errs[w] = fmt.Errorf("%d, %d bytes (want 200, %d): %v", res.StatusCode, n, size, err)
					return
				}
				lats[w] = append(lats[w], time.Since(start))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if err := errors.Join(errs...); err != nil {
		s.fatalf("load on %s: %v", s.name, err)
	}
	all := slices.Concat(lats...)
	if len(all) == 0 {
		s.fatalf("load on %s: no answers", s.name)
	}
	return result{rps: float64(len(all)) / elapsed.Seconds(), p50: pct(all, 50), p99: pct(all, 99)}
}

// --- numbers ---

// pct is the nearest-rank percentile p of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func msf(d time.Duration, decimals int) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', decimals, 64) + "ms"
}

func mb(n int64) string  { return strconv.FormatFloat(float64(n)/1e6, 'f', 2, 64) }
func kb(n int64) string  { return strconv.FormatFloat(float64(n)/1e3, 'f', 0, 64) }
func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB" }

// shorten abbreviates the item's id in a media path for printing.
func shorten(p string) string {
	if id, rest, ok := strings.Cut(strings.TrimPrefix(p, "/media/"), "/"); ok && len(id) > 8 {
		return "/media/" + id[:8] + "…/" + rest
	}
	return p
}
