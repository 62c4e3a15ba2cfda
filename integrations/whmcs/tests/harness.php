<?php
/**
 * Calls the Vessel module's functions as WHMCS does, against a running panel, with php-cli alone: no WHMCS needed.
 * The database layer UsageUpdate writes through (WHMCS\Database\Capsule) is a stub that records the updates.
 *
 *   VESSEL_HOST=127.0.0.1 VESSEL_PORT=8080 VESSEL_TOKEN=... SERVICE_ID=101 CLIENT_ID=7 PLAN=small \
 *       php harness.php TestConnection CreateAccount SuspendAccount ... 'ChangePackage:plan=large'
 *
 * Prints one JSON object per step: {"step": ..., "result": ..., "updates": [...]} (updates: UsageUpdate's writes).
 * Step arguments (after a colon, comma-separated key=value) override parameters for that step: plan, password,
 * reason, and configurable options as option.<Name>=<value>.
 */

namespace WHMCS\Database {

    /** Records what the module writes to WHMCS's tables. */
    class Capsule
    {
        public static $updates = [];

        public static function table($table)
        {
            return new StubQuery($table);
        }

        public static function raw($sql)
        {
            return 'RAW(' . $sql . ')';
        }
    }

    class StubQuery
    {
        private $table;
        private $where = [];

        public function __construct($table)
        {
            $this->table = $table;
        }

        public function where($column, $value)
        {
            $this->where[$column] = $value;
            return $this;
        }

        public function update(array $values)
        {
            Capsule::$updates[] = ['table' => $this->table, 'where' => $this->where, 'values' => $values];
            return 1;
        }
    }
}

namespace {

    define('WHMCS', true);
    define('VESSEL_TEST_CREATE_WAIT', (int) (getenv('CREATE_WAIT') ?: 60));

    $GLOBALS['moduleCalls'] = [];

    // a notice or warning is a bug of the module (an undefined index, a missing field): fail on it
    set_error_handler(function ($number, $message, $file, $line) {
        if (!(error_reporting() & $number)) {
            return false; // silenced with @ on purpose
        }
        fwrite(STDERR, "PHP error $number: $message at $file:$line\n");
        exit(4);
    });

    function logModuleCall($module, $action, $request, $response, $processed = null, $replace = [])
    {
        $GLOBALS['moduleCalls'][] = ['module' => $module, 'action' => $action];
        foreach ($replace as $secret) {
            if ($secret !== '' && $secret !== null && (strpos(json_encode($request), $secret) !== false)) {
                fwrite(STDERR, "a secret reached the module log: $action\n");
                exit(3);
            }
        }
    }

    require __DIR__ . '/../modules/servers/vessel/vessel.php';

    function env($name, $default = '')
    {
        $value = getenv($name);
        return $value === false ? $default : $value;
    }

    $params = [
        'serverid' => 1,
        'serverhostname' => env('VESSEL_HOST', '127.0.0.1'),
        'serverip' => '',
        'serverport' => env('VESSEL_PORT', '8080'),
        'serversecure' => env('VESSEL_SECURE', ''),
        'serverpassword' => env('VESSEL_TOKEN'),
        'serveraccesshash' => '',
        'serviceid' => env('SERVICE_ID', '1'),
        'userid' => env('CLIENT_ID', '1'),
        'clientsdetails' => [
            'firstname' => env('FIRST_NAME', 'Ada'),
            'lastname' => env('LAST_NAME', 'Lovelace'),
            'companyname' => env('COMPANY', ''),
            'email' => env('EMAIL', 'ada@example.com'),
        ],
        'username' => env('USERNAME'),
        'password' => env('PASSWORD'),
        'domain' => env('DOMAIN'),
        'configoption1' => env('PLAN'),
        'configoption2' => env('TEMPLATE', 'busybox'),
        'configoption3' => env('IP_POOL'),
        'configoptions' => [],
        'suspendreason' => env('REASON', 'Overdue on Invoice #1'),
    ];

    $status = 0;
    foreach (array_slice($argv, 1) as $spec) {
        $parts = explode(':', $spec, 2);
        $step = $parts[0];
        $call = $params;
        if (isset($parts[1])) {
            foreach (explode(',', $parts[1]) as $pair) {
                list($key, $value) = explode('=', $pair, 2);
                if (strpos($key, 'option.') === 0) {
                    $call['configoptions'][substr($key, 7)] = $value;
                } elseif ($key === 'plan') {
                    $call['configoption1'] = $value;
                } elseif ($key === 'reason') {
                    $call['suspendreason'] = $value;
                } else {
                    $call[$key] = $value;
                }
            }
        }
        $function = 'vessel_' . $step;
        if (!function_exists($function)) {
            fwrite(STDERR, "no module function $function\n");
            exit(2);
        }
        \WHMCS\Database\Capsule::$updates = [];
        $result = $function($call);
        echo json_encode(['step' => $step, 'result' => $result, 'updates' => \WHMCS\Database\Capsule::$updates], JSON_UNESCAPED_SLASHES), "\n";
    }
    exit($status);
}
