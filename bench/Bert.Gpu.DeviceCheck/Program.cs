using Bert.Gpu.DeviceCheck;
using Bert.Gpu.DeviceCheck.Tests;

// `tests …` runs the xunit test suite's device tests in-process (TestCommand); anything else is the device check.
if (args is ["tests", .. var testArgs])
    return TestCommand.Run(testArgs);

// Exit status: 0 all checks passed, 1 a check (or the timings) failed, 2 usage error, 3 device unavailable, 4 crashed.
CheckOptions options;
try
{
    options = CheckOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(CheckOptions.Usage);
    return 2;
}

Directory.CreateDirectory(options.OutDir);
using var log = new RunLog(Path.Combine(options.OutDir, "devicecheck.log"));
var run = new CheckRun(options, log);
try
{
    return run.Execute();
}
catch (Exception e)
{
    return run.Crashed(e);
}
