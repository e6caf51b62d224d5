package org.maverick.gateway; public class Placeholder {}
