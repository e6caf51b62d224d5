package org.maverick.gateway.request;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.type.LogicalType;
import org.maverick.gateway.generation.GatewayException.InvalidRequest;

import java.io.IOException;
import java.util.Collection;

/**
 * Reads an OpenAI wire record from JSON for every edge (HTTP body, WebSocket message), turning
 * Jackson's failures into the same {@link InvalidRequest}s: {@code invalid_json} for bytes that are
 * not JSON (or break a parser limit, such as nesting deeper than 1000 levels), {@code invalid_type}
 * with the field path as {@code param} ({@code messages[2].content}) for JSON of the wrong shape,
 * {@code invalid_value} for an integer out of its type's range. Messages are written here, never
 * Jackson's own, which name Java classes.
 *
 * <p>Types are strict, as OpenAI's are: no string for a number or boolean ({@code "stream":"true"}
 * is refused naming {@code stream}), no number or boolean for a string, no fraction for an integer,
 * and nothing after the top-level object. Invalid UTF-8 in the body is {@code invalid_json} naming
 * the field where the parser knows it.
 */
public final class WireJson {

    /** The strict reader made from the application's mapper (there is one; a race makes two copies, both fine). */
    private static volatile Strict strict;

    private record Strict(ObjectMapper source, ObjectMapper mapper) {
    }

    private WireJson() {
    }

    public static <T> T read(ObjectMapper json, byte[] body, Class<T> type) {
        if (body == null || body.length == 0) {
            throw new InvalidRequest(null, "The request body is empty; send a JSON object.", "invalid_json");
        }
        T value;
        try {
            value = strict(json).readValue(body, type);
        } catch (IOException e) {
            throw refusal(e);
        }
        return requireObject(value);
    }

    /** The same for a request already parsed as a tree (a field of a WebSocket message). */
    public static <T> T read(ObjectMapper json, JsonNode body, Class<T> type) {
        T value;
        try {
            value = strict(json).treeToValue(body, type);
        } catch (IOException e) {
            throw refusal(e);
        }
        return requireObject(value);
    }

    /** A whole WebSocket message as a tree, refused like a body when it is not JSON. */
    public static JsonNode readTree(ObjectMapper json, String text) {
        try {
            return strict(json).readTree(text);
        } catch (IOException e) {
            throw refusal(e);
        }
    }

    private static <T> T requireObject(T value) {
        if (value == null) { // the body was JSON null
            throw new InvalidRequest(null, "The request body must be a JSON object.", "invalid_type");
        }
        return value;
    }

    private static ObjectMapper strict(ObjectMapper json) {
        Strict s = strict;
        if (s == null || s.source != json) {
            s = new Strict(json, strictCopy(json));
            strict = s;
        }
        return s.mapper;
    }

    @SuppressWarnings("deprecation") // MapperFeature on a copy: the only way to turn scalar coercion off per mapper
    private static ObjectMapper strictCopy(ObjectMapper json) {
        ObjectMapper m = json.copy();
        m.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer,
                CoercionInputShape.Float, CoercionInputShape.Boolean}) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        return m;
    }

    private static InvalidRequest refusal(IOException e) {
        String path = e instanceof JsonMappingException m ? path(m) : "";
        String param = path.isEmpty() ? null : path;
        StreamConstraintsException limit = cause(e, StreamConstraintsException.class);
        if (limit != null) {
            return new InvalidRequest(param, "The request body breaks a limit of the JSON parser: "
                    + limitOf(limit) + ".", "invalid_json");
        }
        InputCoercionException range = cause(e, InputCoercionException.class);
        if (range != null) {
            return new InvalidRequest(param, (param == null ? "A number" : param) + " is out of range for "
                    + kind(range.getTargetType()) + ".", "invalid_value");
        }
        String original = String.valueOf(e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage());
        if (e instanceof MismatchedInputException && original.startsWith("No content to map")) {
            return new InvalidRequest(null, "The request body is empty; send a JSON object.", "invalid_json");
        }
        if (e instanceof MismatchedInputException && original.startsWith("Trailing token")) {
            return new InvalidRequest(null, "The request body must be one JSON object with nothing after it.",
                    "invalid_json");
        }
        StreamReadException syntax = cause(e, StreamReadException.class);
        if (syntax != null) {
            return new InvalidRequest(param, "The request body is not valid JSON" + (param == null ? "" : " in " + param)
                    + ": " + clean(syntax.getOriginalMessage()) + where(syntax), "invalid_json");
        }
        if (e instanceof MismatchedInputException m) {
            return new InvalidRequest(param, (param == null ? "The request body" : param) + " must be "
                    + kind(m.getTargetType()) + ".", "invalid_type");
        }
        return new InvalidRequest(param, (param == null ? "The request body" : param)
                + " has the wrong type or format.", "invalid_type");
    }

    private static String limitOf(StreamConstraintsException e) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.contains("nesting depth")) {
            return "arrays and objects may nest at most 1000 levels deep";
        }
        if (m.contains("Number value length") || m.contains("Number")) {
            return "a number is too long";
        }
        if (m.contains("String value length") || m.contains("String")) {
            return "a string is too long";
        }
        return "the document is too large";
    }

    /** Jackson's target type as a JSON client understands it. */
    private static String kind(Class<?> type) {
        if (type == null) {
            return "a different type";
        }
        if (type == Integer.class || type == int.class || type == Short.class || type == short.class) {
            return "an integer (32-bit)";
        }
        if (type == Long.class || type == long.class) {
            return "an integer (64-bit)";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean (true or false)";
        }
        if (type == String.class || CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    /** A parser message without class names or source excerpts (Jackson adds both on later lines or in backticks). */
    private static String clean(String message) {
        String first = message == null ? "" : message.split("\n")[0];
        int source = first.indexOf(" (start marker at");
        first = source >= 0 ? first.substring(0, source) : first;
        first = first.replaceAll("\\[Source:[^\\]]*\\]", "").replaceAll("`[^`]*`", "the expected type");
        return first.length() > 200 ? first.substring(0, 200) + "…" : first;
    }

    private static String where(JacksonException e) {
        var at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    private static <X extends Throwable> X cause(Throwable t, Class<X> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /** {@code messages[2].content} from Jackson's reference path. */
    private static String path(JsonMappingException e) {
        StringBuilder p = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (p.length() > 0) {
                    p.append('.');
                }
                p.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                p.append('[').append(ref.getIndex()).append(']');
            }
        }
        return p.toString();
    }
}
