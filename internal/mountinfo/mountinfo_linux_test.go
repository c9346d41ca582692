package mountinfo

import "testing"

func TestSelf(t *testing.T) {
	mounts, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Holding(mounts, "/"); !ok {
		t.Errorf("no mount holds / in %d mounts", len(mounts))
	}
}
