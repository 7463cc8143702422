using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

// xUnit3000 wants message sinks to be LongLivedMarshalByRefObjects, for runners that put the tests in another AppDomain.
// .NET has one AppDomain and this runner shares it with the tests; the base class is not public in xunit's netstandard build.
#pragma warning disable xUnit3000

namespace Bert.Gpu.DeviceCheck.Tests;

/// <summary>
/// Discovers and runs an assembly's xunit 2 tests in this process, through xunit's own framework
/// (<see cref="XunitTestFramework"/>: fixtures, collections, theories, Xunit.SkippableFact all as under
/// <c>dotnet test</c>). The GPU machines have no .NET SDK, hence no <c>dotnet test</c>; and xunit.runner.utility, which
/// wraps exactly this, is not served by the package feed here.
/// </summary>
internal sealed class InProcessTestRunner(Assembly assembly, Action<string> log)
{
    /// <summary>
    /// Discovers the assembly's tests, keeps those <paramref name="filter"/> matches, runs them; <paramref name="onResult"/>
    /// sees each result as it arrives.
    /// </summary>
    /// <returns>
    /// How many tests were selected, and the errors outside any one test (a fixture's cleanup, a catastrophic failure),
    /// which fail the run too.
    /// </returns>
    public (int Selected, IReadOnlyList<string> Errors) Run(TestFilter filter, Action<TestOutcome> onResult)
    {
        using var framework = new XunitTestFramework(new Diagnostics(log));
        List<ITestCase> cases;
        using (var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
        using (var found = new DiscoverySink())
        {
            discoverer.Find(includeSourceInformation: false, found, new RunnerOptions());
            found.Finished.Wait();
            cases = found.Cases.Where(filter.Matches).ToList();
        }
        log($"{cases.Count} test(s) match {filter.Expression}");
        if (cases.Count == 0)
            return (0, []);
        using var executor = framework.GetExecutor(assembly.GetName());
        using var sink = new ExecutionSink(onResult);
        executor.RunTests(cases, sink, new RunnerOptions());
        sink.Finished.Wait();
        return (cases.Count, sink.Errors);
    }

    /// <summary>xunit's options as a plain dictionary: every option at its default.</summary>
    private sealed class RunnerOptions : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = [];

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out var v) && v is TValue t ? t : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }

    private sealed class Diagnostics(Action<string> log) : IMessageSink
    {
        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is IDiagnosticMessage diagnostic)
                log($"xunit: {diagnostic.Message}");
            return true;
        }
    }

    private sealed class DiscoverySink : IMessageSink, IDisposable
    {
        public List<ITestCase> Cases { get; } = [];

        public ManualResetEventSlim Finished { get; } = new();

        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is ITestCaseDiscoveryMessage found)
                Cases.Add(found.TestCase);
            else if (message is IDiscoveryCompleteMessage)
                Finished.Set();
            return true;
        }

        public void Dispose() => Finished.Dispose();
    }

    private sealed class ExecutionSink(Action<TestOutcome> onResult) : IMessageSink, IDisposable
    {
        public List<string> Errors { get; } = [];

        public ManualResetEventSlim Finished { get; } = new();

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestPassed passed:
                    onResult(new(passed.Test.DisplayName, "passed", (double)passed.ExecutionTime, null, null, passed.Output));
                    break;
                case ITestFailed failed:
                    onResult(new(failed.Test.DisplayName, "failed", (double)failed.ExecutionTime, Describe(failed),
                        failed.StackTraces.FirstOrDefault(), failed.Output));
                    break;
                case ITestSkipped skipped:
                    onResult(new(skipped.Test.DisplayName, "skipped", 0, skipped.Reason, null, ""));
                    break;
                case IErrorMessage error:
                    Errors.Add($"error: {Describe(error)}");
                    break;
                case ITestCollectionCleanupFailure or ITestClassCleanupFailure or ITestCaseCleanupFailure or ITestCleanupFailure
                    or ITestAssemblyCleanupFailure or ITestMethodCleanupFailure:
                    Errors.Add($"cleanup failed: {Describe((IFailureInformation)message)}");
                    break;
                case ITestAssemblyFinished:
                    Finished.Set();
                    break;
            }
            return true;
        }

        private static string Describe(IFailureInformation failure) =>
            string.Join(" ---> ", failure.ExceptionTypes.Zip(failure.Messages, (type, text) => $"{type}: {text}"));

        public void Dispose() => Finished.Dispose();
    }
}
