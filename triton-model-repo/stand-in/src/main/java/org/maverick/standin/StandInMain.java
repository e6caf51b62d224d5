package org.maverick.standin; public class StandInMain { public static void main(String[] a){} }
