<?php
/**
 * Vessel provisioning module for WHMCS.
 *
 * Copy modules/servers/vessel/ into the WHMCS installation, add a server of type "Vessel" (hostname of the panel,
 * "Secure" ticked, the API token of a provider or reseller administrator with the "provisioning" permission as the
 * password), and a product using it with the Vessel plan code and the template of its VEs.
 *
 * Every call goes to Vessel's REST API under /api/v1/provisioning (see docs/billing.md, "Provisioning API"):
 * the panel makes the customer, its login and the VE, and meters usage; WHMCS invoices. The module keeps no state of
 * its own: WHMCS's service id is the service's id in Vessel, so a retried CreateAccount answers the same service.
 * Amounts and meter quantities cross as decimal strings and are never turned into floats here.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Database\Capsule;

/** How long CreateAccount waits for the VE to be made before it answers (PHP's time limit is usually 30 s or more). */
const VESSEL_CREATE_WAIT_SECONDS = 20;

function vessel_MetaData()
{
    return [
        'DisplayName' => 'Vessel',
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultNonSSLPort' => '8080',
        'DefaultSSLPort' => '8443',
        'ServiceSingleSignOnLabel' => 'Log in to the control panel',
        'AdminSingleSignOnLabel' => false,
    ];
}

function vessel_ConfigOptions()
{
    return [
        'Plan' => [
            'Type' => 'text',
            'Size' => '25',
            'Description' => 'the code of a Vessel plan of yours (Test Connection lists them)',
            'SimpleMode' => true,
        ],
        'Template' => [
            'Type' => 'text',
            'Size' => '25',
            'Default' => 'debian-12',
            'Description' => 'the template the VE is made from',
            'SimpleMode' => true,
        ],
        'IP pool' => [
            'Type' => 'text',
            'Size' => '25',
            'Description' => 'optional: the address pool of the VE\'s first address',
            'SimpleMode' => true,
        ],
    ];
}

/** A Vessel API failure, with the problem's detail (RFC 9457) as its message. */
class VesselApiException extends Exception
{
    public $status;
    public $problem;

    public function __construct($message, $status = 0, $problem = null)
    {
        parent::__construct($message);
        $this->status = $status;
        $this->problem = $problem;
    }
}

/** The panel's base URL from the server WHMCS picked for the service. */
function vessel_baseUrl(array $params)
{
    $host = trim($params['serverhostname'] !== '' ? $params['serverhostname'] : $params['serverip']);
    if ($host === '') {
        throw new VesselApiException('The server has no hostname or IP address.');
    }
    $secure = !empty($params['serversecure']) && $params['serversecure'] !== 'off';
    $port = isset($params['serverport']) && $params['serverport'] !== '' ? ':' . (int) $params['serverport'] : '';
    if (strpos($host, ':') !== false && $host[0] !== '[' && substr_count($host, ':') > 1) {
        $host = '[' . $host . ']';
    }
    return ($secure ? 'https://' : 'http://') . $host . $port . '/api/v1/provisioning';
}

/**
 * One call to the API: JSON in, decoded JSON out; a problem answer becomes a VesselApiException with its detail
 * and the fields it names. PHP streams, not curl: nothing beyond php-cli is needed.
 */
function vessel_call(array $params, $method, $path, $body = null)
{
    $url = vessel_baseUrl($params) . $path;
    $token = isset($params['serverpassword']) && $params['serverpassword'] !== '' ? $params['serverpassword'] : $params['serveraccesshash'];
    $headers = [
        'Authorization: Bearer ' . trim($token),
        'Accept: application/json, application/problem+json',
    ];
    $options = [
        'method' => $method,
        'header' => '',
        'ignore_errors' => true,
        'timeout' => 25,
        'follow_location' => 0,
    ];
    if ($body !== null) {
        $options['content'] = json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        $headers[] = 'Content-Type: application/json';
    } elseif ($method !== 'GET') {
        $options['content'] = '';
        $headers[] = 'Content-Length: 0';
    }
    $options['header'] = implode("\r\n", $headers);
    $context = stream_context_create([
        'http' => $options,
        'ssl' => ['verify_peer' => true, 'verify_peer_name' => true],
    ]);
    $raw = @file_get_contents($url, false, $context);
    $responseHeaders = isset($http_response_header) ? $http_response_header : [];
    if ($raw === false && $responseHeaders === []) {
        $error = error_get_last();
        throw new VesselApiException('Vessel is not reachable at ' . $url . ': ' . ($error ? $error['message'] : 'no answer'));
    }
    $status = 0;
    foreach ($responseHeaders as $line) {
        if (preg_match('#^HTTP/\S+\s+(\d{3})#', $line, $m)) {
            $status = (int) $m[1]; // the last status line counts (after any interim answer)
        }
    }
    $decoded = $raw === '' ? null : json_decode($raw, true);
    if (function_exists('logModuleCall')) {
        $logged = $body;
        if (is_array($logged) && isset($logged['password'])) {
            $logged['password'] = '********';
        }
        logModuleCall('vessel', $method . ' ' . $path, $logged, $status . ' ' . $raw, $decoded, [$token, isset($body['password']) ? $body['password'] : '']);
    }
    if ($status >= 400 || $status === 0) {
        $detail = is_array($decoded) && isset($decoded['detail']) ? $decoded['detail'] : 'HTTP ' . $status;
        if (is_array($decoded) && !empty($decoded['errors'])) {
            $fields = [];
            foreach ($decoded['errors'] as $error) {
                $fields[] = $error['field'] . ': ' . $error['message'];
            }
            $detail .= ' (' . implode('; ', $fields) . ')';
        }
        throw new VesselApiException($detail, $status, $decoded);
    }
    return $decoded;
}

function vessel_serviceId(array $params)
{
    return (string) $params['serviceid'];
}

/** The limits WHMCS configurable options set, by the option names the README suggests. */
function vessel_limits(array $params)
{
    $names = [
        'Memory' => 'memoryMiB',
        'Swap' => 'swapMiB',
        'Disk' => 'diskGiB',
        'CPU weight' => 'cpuWeight',
        'CPU cap' => 'cpuCapPercent',
        'Processes' => 'processes',
        'Bandwidth' => 'bandwidthMbit',
    ];
    $limits = [];
    $options = isset($params['configoptions']) && is_array($params['configoptions']) ? $params['configoptions'] : [];
    foreach ($options as $name => $value) {
        $key = preg_replace('/\s*\(.*\)\s*$/', '', (string) $name);
        if (isset($names[$key]) && $value !== '' && $value !== null && preg_match('/^\d+$/', (string) $value)) {
            $limits[$names[$key]] = (int) $value;
        }
    }
    return $limits;
}

function vessel_CreateAccount(array $params)
{
    try {
        $client = isset($params['clientsdetails']) ? $params['clientsdetails'] : [];
        $name = trim((isset($client['companyname']) && $client['companyname'] !== '') ? $client['companyname']
            : trim((isset($client['firstname']) ? $client['firstname'] : '') . ' ' . (isset($client['lastname']) ? $client['lastname'] : '')));
        $body = [
            'serviceId' => vessel_serviceId($params),
            'clientId' => isset($params['userid']) ? (string) $params['userid'] : null,
            'customerName' => $name !== '' ? $name : 'Client ' . $params['userid'],
            'email' => isset($client['email']) ? $client['email'] : null,
            'username' => isset($params['username']) && $params['username'] !== '' ? $params['username'] : null,
            'password' => isset($params['password']) && $params['password'] !== '' ? $params['password'] : null,
            'plan' => $params['configoption1'],
            'template' => $params['configoption2'] !== '' ? $params['configoption2'] : 'debian-12',
            'hostname' => isset($params['domain']) && $params['domain'] !== '' ? $params['domain'] : null,
            'ipPool' => isset($params['configoption3']) && $params['configoption3'] !== '' ? $params['configoption3'] : null,
        ];
        $service = vessel_call($params, 'POST', '/services', $body);
        // the panel answers at once and makes the VE meanwhile; wait a little for it, within PHP's time limit
        $deadline = microtime(true) + (defined('VESSEL_TEST_CREATE_WAIT') ? VESSEL_TEST_CREATE_WAIT : VESSEL_CREATE_WAIT_SECONDS);
        while ($service['state'] === 'PROVISIONING' && microtime(true) < $deadline) {
            usleep(500000);
            $service = vessel_call($params, 'GET', '/services/' . rawurlencode(vessel_serviceId($params)));
        }
        if ($service['state'] === 'FAILED') {
            return 'Vessel could not make the service: ' . (isset($service['error']) ? $service['error'] : 'no reason given');
        }
        if (!empty($service['username']) && (!isset($params['username']) || $params['username'] !== $service['username'])
            && isset($params['model']) && is_object($params['model'])) {
            $params['model']->serviceProperties->save(['username' => $service['username']]);
        }
        return 'success'; // ACTIVE, or still PROVISIONING: the panel finishes it, and a retry answers the same service
    } catch (Exception $e) {
        return $e->getMessage();
    }
}

function vessel_SuspendAccount(array $params)
{
    try {
        $reason = isset($params['suspendreason']) && $params['suspendreason'] !== '' ? $params['suspendreason'] : 'suspended by your provider';
        vessel_call($params, 'POST', '/services/' . rawurlencode(vessel_serviceId($params)) . '/suspend', ['reason' => $reason]);
        return 'success';
    } catch (Exception $e) {
        return $e->getMessage();
    }
}

function vessel_UnsuspendAccount(array $params)
{
    try {
        vessel_call($params, 'POST', '/services/' . rawurlencode(vessel_serviceId($params)) . '/unsuspend');
        return 'success';
    } catch (Exception $e) {
        return $e->getMessage();
    }
}

function vessel_TerminateAccount(array $params)
{
    try {
        vessel_call($params, 'POST', '/services/' . rawurlencode(vessel_serviceId($params)) . '/terminate');
        return 'success';
    } catch (Exception $e) {
        return $e->getMessage();
    }
}

function vessel_ChangePackage(array $params)
{
    try {
        $body = ['plan' => $params['configoption1']];
        $limits = vessel_limits($params);
        if ($limits !== []) {
            $body['limits'] = $limits;
        }
        vessel_call($params, 'POST', '/services/' . rawurlencode(vessel_serviceId($params)) . '/change-package', $body);
        return 'success';
    } catch (Exception $e) {
        return $e->getMessage();
    }
}

function vessel_ChangePassword(array $params)
{
    try {
        vessel_call($params, 'POST', '/services/' . rawurlencode(vessel_serviceId($params)) . '/password', ['password' => $params['password']]);
        return 'success';
    } catch (Exception $e) {
        return $e->getMessage();
    }
}

function vessel_ServiceSingleSignOn(array $params)
{
    try {
        $link = vessel_call($params, 'POST', '/services/' . rawurlencode(vessel_serviceId($params)) . '/login-link');
        return ['success' => true, 'redirectTo' => $link['url']];
    } catch (Exception $e) {
        return ['success' => false, 'errorMsg' => $e->getMessage()];
    }
}

function vessel_TestConnection(array $params)
{
    try {
        $connection = vessel_call($params, 'GET', '/test');
        if (!isset($connection['apiVersion'])) {
            return ['success' => false, 'error' => 'The server answered, but not as Vessel does.'];
        }
        return ['success' => true, 'error' => ''];
    } catch (Exception $e) {
        return ['success' => false, 'error' => $e->getMessage()];
    }
}

/**
 * Daily usage update: disk and traffic of every service on the server since the start of the month, written to
 * WHMCS's tblhosting in MB as WHMCS expects. Vessel's meters (CPU seconds, GiB-hours…) are in the API's answer for
 * modules that bill them.
 */
function vessel_UsageUpdate(array $params)
{
    try {
        $from = gmdate('Y-m-01\T00:00:00\Z');
        $usage = vessel_call($params, 'GET', '/usage?from=' . rawurlencode($from));
        foreach ($usage as $service) {
            if (!preg_match('/^\d+$/', $service['serviceId'])) {
                continue; // not a WHMCS service of this installation
            }
            Capsule::table('tblhosting')
                ->where('server', $params['serverid'])
                ->where('id', (int) $service['serviceId'])
                ->update([
                    // absent: not measured yet, or (limits) unlimited, which WHMCS writes as 0
                    'diskusage' => isset($service['diskUsedMiB']) ? (int) $service['diskUsedMiB'] : 0,
                    'disklimit' => isset($service['diskLimitMiB']) ? (int) $service['diskLimitMiB'] : 0,
                    'bwusage' => isset($service['bandwidthUsedMiB']) ? (int) $service['bandwidthUsedMiB'] : 0,
                    'bwlimit' => isset($service['bandwidthLimitMiB']) ? (int) $service['bandwidthLimitMiB'] : 0,
                    'lastupdate' => Capsule::raw('now()'),
                ]);
        }
        return 'success';
    } catch (Exception $e) {
        return $e->getMessage();
    }
}

function vessel_AdminServicesTabFields(array $params)
{
    try {
        $service = vessel_call($params, 'GET', '/services/' . rawurlencode(vessel_serviceId($params)));
        return [
            'Vessel state' => htmlspecialchars($service['state'] . (isset($service['suspendReason']) ? ' (' . $service['suspendReason'] . ')' : '')),
            'VE' => htmlspecialchars((isset($service['ve']) ? $service['ve'] . ' ' : '') . (isset($service['hostname']) ? $service['hostname'] : '')),
            'Plan' => htmlspecialchars(isset($service['planName']) ? $service['planName'] : ''),
        ];
    } catch (Exception $e) {
        return ['Vessel' => htmlspecialchars($e->getMessage())];
    }
}
