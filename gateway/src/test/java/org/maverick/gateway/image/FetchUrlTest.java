package org.maverick.gateway.image;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The URL rules of image fetches that need no network: schemes, hosts, ports, redirect targets. */
class FetchUrlTest {

    private static ImageRefusal refused(Runnable r) {
        return assertThrows(ImageRefusal.class, r::run);
    }

    @Test
    void anHttpsUrlIsTakenApart() {
        FetchUrl u = FetchUrl.parse("https://Images.Example.org/a/b%20c.png?size=2&x=%2F#frag", false);
        assertTrue(u.https());
        assertEquals("images.example.org", u.host());
        assertEquals(443, u.port());
        assertEquals("/a/b%20c.png?size=2&x=%2F", u.requestTarget(), "raw path and query, no fragment");
        assertEquals("https://Images.Example.org/a/b%20c.png?size=2&x=%2F", u.uri().toString());
        assertEquals(8443, FetchUrl.parse("https://example.org:8443", false).port());
        assertEquals("/", FetchUrl.parse("https://example.org", false).requestTarget());
        FetchUrl v6 = FetchUrl.parse("https://[2001:db8::1]:9000/p.png", false);
        assertEquals("2001:db8::1", v6.host(), "brackets are the URL's, not the address's");
        assertEquals(9000, v6.port());
    }

    @Test
    void onlyHttpsUnlessHttpIsAllowed() {
        ImageRefusal http = refused(() -> FetchUrl.parse("http://example.org/a.png", false));
        assertEquals(ImageRefusal.Reason.INVALID_URL, http.reason());
        assertTrue(http.getMessage().contains("not http:"), http.getMessage());
        FetchUrl allowed = FetchUrl.parse("http://example.org/a.png", true);
        assertFalse(allowed.https());
        assertEquals(80, allowed.port());
        for (String bad : new String[]{"file:///etc/passwd", "ftp://example.org/a.png", "gopher://x/", "/a.png",
                "example.org/a.png", "jar:https://example.org/a.jar!/x.png"}) {
            assertEquals(ImageRefusal.Reason.INVALID_URL, refused(() -> FetchUrl.parse(bad, true)).reason(), bad);
        }
    }

    @Test
    void aHostIsRequiredAndUserInfoRefused() {
        for (String bad : new String[]{"https:///a.png", "https://user:secret@example.org/a.png",
                "https://example.org@127.0.0.1/a.png", "https://bad_host.example/a.png", "https://exa mple.org/",
                "https://example.org:0/a.png", "https://example.org:99999/a.png"}) {
            assertEquals(ImageRefusal.Reason.INVALID_URL, refused(() -> FetchUrl.parse(bad, false)).reason(), bad);
        }
    }

    @Test
    void redirectsResolveRelativeTargetsAndKeepTheRules() {
        FetchUrl from = FetchUrl.parse("https://a.example/dir/pic.png?x=1", false);
        assertEquals("https://a.example/dir/other.png", from.redirect("other.png", false).uri().toString());
        assertEquals("https://a.example/root.png", from.redirect("/root.png", false).uri().toString());
        FetchUrl elsewhere = from.redirect("//b.example:444/z.png#f", false);
        assertEquals("b.example", elsewhere.host());
        assertEquals(444, elsewhere.port());
        assertEquals("/z.png", elsewhere.requestTarget());
        assertEquals("c.example", from.redirect("https://c.example/q", false).host());

        // a downgrade to http is refused unless http is allowed; other schemes always
        ImageRefusal downgrade = refused(() -> from.redirect("http://a.example/pic.png", false));
        assertEquals(ImageRefusal.Reason.INVALID_URL, downgrade.reason());
        assertTrue(downgrade.getMessage().startsWith("the redirect target http://a.example/pic.png must be an https URL"),
                downgrade.getMessage());
        assertFalse(from.redirect("http://a.example/pic.png", true).https());
        assertEquals(ImageRefusal.Reason.INVALID_URL, refused(() -> from.redirect("file:///etc/passwd", true)).reason());
        assertEquals(ImageRefusal.Reason.INVALID_URL,
                refused(() -> from.redirect("https://user@a.example/x", false)).reason());

        // a redirect without a usable Location ends the fetch
        assertEquals(ImageRefusal.Reason.FETCH_FAILED, refused(() -> from.redirect(null, false)).reason());
        assertEquals(ImageRefusal.Reason.FETCH_FAILED, refused(() -> from.redirect(" ", false)).reason());
        assertEquals(ImageRefusal.Reason.FETCH_FAILED, refused(() -> from.redirect("https://a b/", false)).reason());
    }

    @Test
    void messagesNeverCarryControlCharactersOrEndlessUrls() {
        String longPath = "https://a.example/" + "x".repeat(1000);
        assertTrue(FetchUrl.parse(longPath, false).toString().length() <= 203);
        assertEquals("a?b", FetchUrl.printable("a\nb"));
    }
}
