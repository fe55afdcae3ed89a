package policies

import (
	"slices"
	"testing"

	"github.com/loamcms/cms/models"
)

func TestRolesComeFromThePolicy(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Roles(); !slices.Equal(got, []string{"admin", "editor", "reviewer"}) {
		t.Fatalf("roles %v", got)
	}
}

func TestCan(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		p        models.Principal
		obj, act string
		want     bool
	}{
		{models.Principal{UserID: "a", Roles: []string{"admin"}}, models.ObjUsers, models.ActDelete, true},
		{models.Principal{UserID: "e", Roles: []string{"editor"}}, models.ObjUsers, models.ActRead, false},
		{models.Principal{UserID: "e", Roles: []string{"editor", "admin"}}, models.ObjUsers, models.ActRead, true},
		{models.Principal{UserID: "r", Roles: []string{"reviewer"}}, models.ObjAccount, models.ActUpdate, true},
		{models.Principal{UserID: "x", Roles: []string{"ghost"}}, models.ObjAccount, models.ActRead, false},
		{models.Principal{}, models.ObjAccount, models.ActRead, false},
		{models.Principal{System: true}, models.ObjUsers, models.ActCreate, true},
		{models.Principal{UserID: "a", Roles: []string{"admin"}}, "users/extra", models.ActRead, false},
		{models.Principal{UserID: "a", Roles: []string{"admin"}}, models.ObjUsers, "*", false},
	}
	for _, c := range cases {
		if got := e.Can(c.p, c.obj, c.act); got != c.want {
			t.Errorf("%v %s %s: %v, want %v", c.p.Roles, c.obj, c.act, got, c.want)
		}
	}
}
