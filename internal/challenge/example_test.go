package challenge_test

import (
	"fmt"

	"github.com/crawlaudit/crawlaudit/internal/challenge"
)

func ExampleParse() {
	cs, err := challenge.Parse([]string{
		`Bearer realm="api", error="invalid_token", error_description="The token expired"`,
		`Basic realm="staff, \"north\" wing"`,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cs {
		e, _ := c.Param("error")
		fmt.Printf("%s realm=%q error=%q\n", c.Canonical(), c.Realm(), e)
	}
	// Output:
	// Bearer realm="api" error="invalid_token"
	// Basic realm="staff, \"north\" wing" error=""
}
