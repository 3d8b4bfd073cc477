#!/usr/bin/perl
# Carries datagrams between a Unix datagram socket and this process's standard streams, one line
# per datagram, for the benchmark's HLR/AuC gateway (bench/hlr-gateway.ts): Node has no Unix
# datagram sockets, and hostapd's eap_sim_db speaks only over one. Perl's core modules are on every
# Debian system (perl-base).
#   stdout: "<sender's socket path, hex> <datagram>"   stdin: "<destination path, hex> <datagram>"
# Datagrams of this protocol are printable text without newlines. Prints "ready" once bound.
use strict;
use warnings;
use Socket qw(AF_UNIX SOCK_DGRAM pack_sockaddr_un unpack_sockaddr_un);
use IO::Handle;
use IO::Select;

my $path = shift or die "usage: unix-dgram-relay.pl SOCKET_PATH\n";
unlink $path;
socket(my $sock, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
bind($sock, pack_sockaddr_un($path)) or die "bind $path: $!\n";
STDOUT->autoflush(1);
print "ready\n";

my $select = IO::Select->new($sock, \*STDIN);
my $pending = "";
while (1) {
    for my $fh ($select->can_read) {
        if (fileno($fh) == fileno($sock)) {
            my $from = recv($sock, my $msg, 2000, 0);
            next unless defined $from && length $msg;
            print unpack("H*", unpack_sockaddr_un($from)), " ", $msg, "\n";
        } else {
            my $n = sysread(STDIN, $pending, 65536, length $pending);
            if (!$n) {
                unlink $path;
                exit 0;
            }
            while ($pending =~ s/^([^\n]*)\n//) {
                my ($to, $msg) = split / /, $1, 2;
                send($sock, $msg, 0, pack_sockaddr_un(pack("H*", $to))) if defined $msg;
            }
        }
    }
}
