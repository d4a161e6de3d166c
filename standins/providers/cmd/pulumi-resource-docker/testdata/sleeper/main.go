// Command sleeper is the only program in the live tests' container image (a static binary imported
// as a one-file rootfs, so the tests need no base image and no registry):
//
//	sleeper [""]         run until SIGTERM, then exit 0
//	sleeper true         exit 0 (a healthcheck that passes)
//	sleeper false        exit 1 (a healthcheck that fails)
//	sleeper exit N       exit N at once
//	sleeper resolve NAME print NAME's addresses (exit 1 when it does not resolve)
//	sleeper cat FILE     print FILE
//	sleeper mode FILE    print FILE's permission bits in octal
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 || args[0] == "" {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
		<-stop
		return
	}
	switch args[0] {
	case "true":
		return
	case "false":
		os.Exit(1)
	case "exit":
		n, _ := strconv.Atoi(args[1])
		os.Exit(n)
	case "resolve":
		addrs, err := net.LookupHost(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(addrs)
	case "cat":
		b, err := os.ReadFile(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Stdout.Write(b)
	case "mode":
		st, err := os.Stat(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%o\n", st.Mode().Perm())
	default:
		fmt.Fprintln(os.Stderr, "unknown command", args[0])
		os.Exit(2)
	}
}
