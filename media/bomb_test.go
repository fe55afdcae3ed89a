package media

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/mediatest"
	"github.com/loamcms/cms/models"
)

// TestBombsCostNothing runs the image bombs through the upload checks in a
// fresh process and reads its peak resident memory: they are refused from
// their headers, so the peak stays far under 256 MiB.
func TestBombsCostNothing(t *testing.T) {
	if os.Getenv("CMS_BOMB_CHILD") == "1" {
		for _, c := range []struct {
			name string
			data []byte
		}{{"bomb.gif", mediatest.GIFBomb()}, {"huge.png", mediatest.HugePNG()}} {
			if _, _, err := run(t, c.data, c.name, ""); models.ErrorCode(err) != models.CodeValidationFailed {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		t.Logf("VmHWM %d", peakRSS(t))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBombsCostNothing$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "CMS_BOMB_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	_, after, ok := strings.Cut(string(out), "VmHWM ")
	if !ok {
		t.Fatalf("no measurement:\n%s", out)
	}
	kb, _ := strconv.Atoi(strings.Fields(after)[0])
	t.Logf("peak RSS while refusing a 34-byte GIF bomb and a 65535×65535 PNG: %d MiB", kb/1024)
	if kb > 256*1024 {
		t.Errorf("peak RSS %d KiB is over 256 MiB", kb)
	}
}

// peakRSS is the process's high-water resident set in KiB (Linux).
func peakRSS(t *testing.T) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc: not Linux")
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return 0
}
