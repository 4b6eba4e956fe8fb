<?php
// Enrol a person in DigitalChalk, as an integration does: find them by email (or create them), list the
// offerings open to them, register them in the first, read the registration back.
//
// `php enrol.php HOST EMAIL`, the token in DIGITALCHALK_TOKEN. It calls https://HOST/dc/api/v5 with PHP's
// curl, and trusts what PHP's curl is set to: `curl.cainfo` in php.ini (or `php -d curl.cainfo=…`). Prints
// each call (method, path, status, Location, body) as JSON; exits 1 at the first status the call does not
// succeed with.

[$host, $email] = array_slice($argv, 1);
$base = "https://$host/dc/api/v5";
$transcript = [];

function call(string $method, string $path, int $expected, ?array $body = null): array
{
    global $base, $transcript;
    $location = null;
    $handle = curl_init($base . $path);
    curl_setopt_array($handle, [
        CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 10,
        CURLOPT_HTTPHEADER => [
            'Authorization: Bearer ' . getenv('DIGITALCHALK_TOKEN'),
            'Accept: application/json',
            'Content-Type: application/json',
        ],
        CURLOPT_HEADERFUNCTION => function ($handle, string $line) use (&$location): int {
            if (stripos($line, 'location:') === 0) {
                $location = trim(substr($line, strlen('location:')));
            }
            return strlen($line);
        },
    ]);
    if ($body !== null) {
        curl_setopt($handle, CURLOPT_POSTFIELDS, json_encode($body));
    }
    $text = curl_exec($handle);
    if ($text === false) {
        throw new RuntimeException("$method $base$path: " . curl_error($handle));
    }
    $status = curl_getinfo($handle, CURLINFO_RESPONSE_CODE);
    curl_close($handle);
    $parsed = $text === '' ? null : json_decode($text);  // objects stay objects, `{}` included
    $transcript[] = [
        'method' => $method,
        'path' => parse_url($base . $path, PHP_URL_PATH),
        'status' => $status,
        'location' => $location,
        'body' => $parsed,
    ];
    if ($status !== $expected) {
        throw new RuntimeException("$method $base$path: $status $text");
    }
    return [$location, $parsed];
}

// The new id: the last segment of Location, as the vendor's own clients read it.
function created(array $answer): string
{
    $parts = explode('/', rtrim($answer[0], '/'));
    return end($parts);
}

function enrol(string $email): void
{
    [, $found] = call('GET', '/users?' . http_build_query(['email' => $email]), 200);
    $userId = null;
    foreach ($found->results as $user) {
        if ($user->email === $email) {
            $userId = $user->id;
            break;
        }
    }
    if ($userId === null) {
        $fields = ['firstName' => 'Ada', 'lastName' => 'Lovelace', 'email' => $email, 'password' => 'Analytical-1843'];
        $userId = created(call('POST', '/users', 201, $fields));
    }
    [, $offerings] = call('GET', '/offerings?' . http_build_query(['userId' => $userId]), 200);
    $registration = ['userId' => $userId, 'offeringId' => $offerings->results[0]->id];
    $registrationId = created(call('POST', '/registrations', 201, $registration));
    call('GET', "/registrations/$registrationId", 200);
}

$code = 0;
try {
    enrol($email);
} catch (RuntimeException $error) {
    fwrite(STDERR, 'enrol: ' . $error->getMessage() . "\n");
    $code = 1;
}
echo json_encode($transcript, JSON_UNESCAPED_SLASHES), "\n";
exit($code);
