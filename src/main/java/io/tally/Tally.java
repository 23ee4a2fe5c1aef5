package io.tally;

public final class Tally {
    public static void main(String[] args) {
    }
}
