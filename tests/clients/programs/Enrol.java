import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Enrol a person in DigitalChalk, as an integration does: find them by email (or create them), list the
 * offerings open to them, register them in the first, read the registration back.
 *
 * <p>{@code java Enrol.java HOST EMAIL}, the token in DIGITALCHALK_TOKEN. It calls https://HOST/dc/api/v5
 * with java.net.http, and trusts what the JVM trusts: {@code -Djavax.net.ssl.trustStore=…} names a
 * truststore made with keytool. Prints each call (method, path, status, Location, body) as JSON; exits 1 at
 * the first status the call does not succeed with.
 */
public class Enrol {
    record Answer(int status, String location, String body) {}

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    // The JDK reads no JSON: like many a small integration, this one finds the ids it needs by pattern.
    static final Pattern FIRST_ID = Pattern.compile("\"results\"\\s*:\\s*\\[\\s*\\{\\s*\"id\"\\s*:\\s*\"(\\w+)\"");
    static final List<String> TRANSCRIPT = new ArrayList<>();

    final String base;
    final String token;

    Enrol(String host, String token) {
        this.base = "https://" + host + "/dc/api/v5";
        this.token = token;
    }

    Answer call(String method, String path, int expected, String body) throws Exception {
        URI uri = URI.create(base + path);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        String location = response.headers().firstValue("Location").orElse(null);
        String text = response.body().strip();
        TRANSCRIPT.add(String.format(
                "{\"method\": \"%s\", \"path\": \"%s\", \"status\": %d, \"location\": %s, \"body\": %s}",
                method, uri.getPath(), response.statusCode(),
                location == null ? "null" : "\"" + location + "\"", text.isEmpty() ? "null" : text));
        if (response.statusCode() != expected) {
            throw new IllegalStateException(method + " " + uri + ": " + response.statusCode() + " " + text);
        }
        return new Answer(response.statusCode(), location, text);
    }

    /** The new id: the last segment of Location, as the vendor's own clients read it. */
    static String created(Answer answer) {
        String location = answer.location().replaceAll("/$", "");
        return location.substring(location.lastIndexOf('/') + 1);
    }

    static String firstId(Answer answer) {
        Matcher found = FIRST_ID.matcher(answer.body());
        return found.find() ? found.group(1) : null;
    }

    static String query(String name, String value) {
        return "?" + name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    void enrol(String email) throws Exception {
        Answer found = call("GET", "/users" + query("email", email), 200, null);
        String userId = found.body().contains("\"email\":\"" + email + "\"") ? firstId(found) : null;
        if (userId == null) {
            String fields = String.format("{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"email\": \"%s\", "
                    + "\"password\": \"Analytical-1843\"}", email);
            userId = created(call("POST", "/users", 201, fields));
        }
        String offeringId = firstId(call("GET", "/offerings" + query("userId", userId), 200, null));
        String registration = String.format("{\"userId\": \"%s\", \"offeringId\": \"%s\"}", userId, offeringId);
        String registrationId = created(call("POST", "/registrations", 201, registration));
        call("GET", "/registrations/" + registrationId, 200, null);
    }

    public static void main(String[] args) {
        int code = 0;
        try {
            new Enrol(args[0], System.getenv("DIGITALCHALK_TOKEN")).enrol(args[1]);
        } catch (Exception error) {
            System.err.println("enrol: " + error);
            code = 1;
        }
        System.out.println("[" + String.join(", ", TRANSCRIPT) + "]");
        System.exit(code);
    }
}
