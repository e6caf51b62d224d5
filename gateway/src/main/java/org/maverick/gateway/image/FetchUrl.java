package org.maverick.gateway.image;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * An image URL the gateway may fetch, or a redirect's target: the URL rules that need no network. Only
 * {@code https} ({@code http} when {@code gateway.images.fetch.allow-http} is set), a host, no user info
 * (credentials in a URL would be sent to whoever the URL names, and {@code https://trusted@evil/} misleads
 * readers of logs). Which address the host may resolve to is {@link FetchAddressRules}' business.
 *
 * @param uri  the URL as given or resolved, without its fragment (never sent to a server)
 * @param host the host as written in the URL (brackets removed from an IPv6 literal); the Host header and
 *             the TLS server name, while the connection goes to an address resolved and checked by the fetcher
 */
public record FetchUrl(URI uri, boolean https, String host, int port, String requestTarget) {

    /** Parses a caller's image URL. */
    public static FetchUrl parse(String url, boolean allowHttp) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ImageRefusal(ImageRefusal.Reason.INVALID_URL, "the url is not a valid URL");
        }
        return of(uri, allowHttp, "the url");
    }

    /**
     * The target of a redirect from this URL: {@code location} (the Location header) resolved against this URL
     * (it may be relative), held to the same rules as the URL a caller names.
     */
    public FetchUrl redirect(String location, boolean allowHttp) {
        if (location == null || location.isBlank()) {
            throw new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED, "the image server redirected without a Location");
        }
        URI target;
        try {
            target = uri.resolve(new URI(location.trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new ImageRefusal(ImageRefusal.Reason.FETCH_FAILED, "the image server redirected to an invalid URL");
        }
        return of(target, allowHttp, "the redirect target " + printable(target.toString()));
    }

    private static FetchUrl of(URI uri, boolean allowHttp, String what) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean https = "https".equals(scheme);
        if (!https && !("http".equals(scheme) && allowHttp)) {
            throw new ImageRefusal(ImageRefusal.Reason.INVALID_URL, what + " must be "
                    + (what.equals("the url") ? "a data: URI or " : "") + "an https URL"
                    + (allowHttp ? " or an http URL" : "")
                    + (scheme.isEmpty() ? "" : ", not " + scheme.replaceAll("[^a-z0-9+.-]", "?") + ":"));
        }
        // getHost() is null for a host java.net.URI cannot read (an underscore, say): refused, never guessed.
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new ImageRefusal(ImageRefusal.Reason.INVALID_URL, what + " must name a host and no user info");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? (https ? 443 : 80) : uri.getPort();
        if (port == 0 || port > 65535) {
            throw new ImageRefusal(ImageRefusal.Reason.INVALID_URL, what + " has an invalid port");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        URI clean;
        try {
            clean = new URI(scheme + "://" + uri.getRawAuthority() + target);
        } catch (URISyntaxException e) {
            throw new ImageRefusal(ImageRefusal.Reason.INVALID_URL, what + " is not a valid URL");
        }
        return new FetchUrl(clean, https, host.toLowerCase(Locale.ROOT), port, target);
    }

    /** For messages: at most 200 printable ASCII characters of a URL a caller or a server chose. */
    static String printable(String s) {
        String p = s.replaceAll("[^ -~]", "?");
        return p.length() > 200 ? p.substring(0, 200) + "..." : p;
    }

    @Override
    public String toString() {
        return printable(uri.toString());
    }
}
