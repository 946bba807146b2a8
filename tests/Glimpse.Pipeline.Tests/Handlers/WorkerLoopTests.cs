using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Glimpse.Pipeline.Tests.Handlers;

/// <summary>The loop's lock and shutdown handling, with stand-ins for the transport and the processor so timing is under the test's control.</summary>
public sealed class WorkerLoopTests
{
    private static readonly WorkerLoopOptions FastOptions = new()
    {
        LockRenewalInterval = TimeSpan.FromMilliseconds(40),
        MaxJobDuration = TimeSpan.FromMinutes(1),
        IdleDelay = TimeSpan.FromMilliseconds(20),
        AbandonTimeout = TimeSpan.FromSeconds(5),
    };

    private static WorkerLoop Loop(IWorkReceiver receiver, IJobProcessor processor, WorkerLoopOptions? options = null) =>
        new(receiver, processor, options ?? FastOptions, NullLogger<WorkerLoop>.Instance);

    [Fact]
    public async Task The_lock_is_renewed_while_a_job_runs_and_the_processor_settles_it()
    {
        var work = new FakeWork();
        // The job lasts until the lock has been renewed three times (bounded, so a broken renewal fails the test).
        var processor = new FakeProcessor(async (w, ct) =>
        {
            for (int waited = 0; work.Renewals < 3 && waited < 200; waited++) await Task.Delay(50, ct);
            await w.CompleteAsync(ct);
        });

        await Loop(new FakeReceiver(), processor).ProcessOneAsync(work, CancellationToken.None);

        Assert.True(work.Renewals >= 3, $"renewed {work.Renewals} times");
        Assert.Equal(["complete"], work.Settlements);
    }

    [Fact]
    public async Task A_lost_lock_cancels_the_job_and_nothing_is_settled()
    {
        var work = new FakeWork { RenewalFails = true };
        bool cancelled = false;
        var processor = new FakeProcessor(async (_, ct) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
        });

        await Loop(new FakeReceiver(), processor).ProcessOneAsync(work, CancellationToken.None);

        Assert.True(cancelled);
        Assert.Empty(work.Settlements);
    }

    [Fact]
    public async Task A_job_running_past_the_longest_allowed_is_cancelled_and_left_unsettled()
    {
        var work = new FakeWork();
        var processor = new FakeProcessor((_, ct) => Task.Delay(TimeSpan.FromSeconds(30), ct));
        var options = new WorkerLoopOptions { LockRenewalInterval = TimeSpan.FromMilliseconds(30), MaxJobDuration = TimeSpan.FromMilliseconds(100) };

        await Loop(new FakeReceiver(), processor, options).ProcessOneAsync(work, CancellationToken.None);

        Assert.Empty(work.Settlements);
    }

    [Fact]
    public async Task Shutdown_stops_receiving_and_abandons_the_job_in_flight()
    {
        var inFlight = new FakeWork();
        var waiting = new FakeWork();
        var receiver = new FakeReceiver(inFlight, waiting);
        using var stopping = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var processor = new FakeProcessor(async (_, ct) =>
        {
            started.SetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        });

        var loop = Loop(receiver, processor).RunAsync(stopping.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stopping.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["abandon"], inFlight.Settlements);
        Assert.Equal(1, receiver.Received);
        Assert.Equal(1, processor.Calls);
    }

    [Fact]
    public async Task Jobs_are_taken_one_at_a_time_and_a_failing_one_does_not_stop_the_loop()
    {
        var receiver = new FakeReceiver(new FakeWork(), new FakeWork(), new FakeWork());
        int running = 0, mostAtOnce = 0;
        using var stopping = new CancellationTokenSource();
        var processor = new FakeProcessor(async (w, ct) =>
        {
            mostAtOnce = Math.Max(mostAtOnce, Interlocked.Increment(ref running));
            await Task.Delay(20, ct);
            Interlocked.Decrement(ref running);
            if (receiver.Received == 2) throw new InvalidOperationException("unexpected");
            await w.CompleteAsync(ct);
            if (receiver.Received == 3) await stopping.CancelAsync();
        });

        await Loop(receiver, processor).RunAsync(stopping.Token).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, processor.Calls);
        Assert.Equal(1, mostAtOnce);
    }

    private sealed class FakeReceiver(params FakeWork[] works) : IWorkReceiver
    {
        private readonly Queue<FakeWork> _works = new(works);
        public int Received { get; private set; }

        public Task<IReceivedWork?> ReceiveAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_works.TryDequeue(out var work)) return Task.FromResult<IReceivedWork?>(null);
            Received++;
            return Task.FromResult<IReceivedWork?>(work);
        }
    }

    private sealed class FakeProcessor(Func<IReceivedWork, CancellationToken, Task> process) : IJobProcessor
    {
        public int Calls { get; private set; }

        public Task ProcessAsync(IReceivedWork work, CancellationToken cancellationToken)
        {
            Calls++;
            return process(work, cancellationToken);
        }
    }

    private sealed class FakeWork : IReceivedWork
    {
        private int _renewals;
        public bool RenewalFails { get; init; }
        public int Renewals => Volatile.Read(ref _renewals);
        public List<string> Settlements { get; } = [];

        public string MessageId => "m";
        public string? CorrelationId => null;
        public string? ContentType => "application/json";
        public BinaryData Body => BinaryData.FromString("{}");
        public IReadOnlyDictionary<string, object> ApplicationProperties { get; } = new Dictionary<string, object>();
        public int DeliveryCount => 1;
        public DateTimeOffset LockedUntil => DateTimeOffset.UtcNow.AddMinutes(1);

        public Task CompleteAsync(CancellationToken cancellationToken) => Settle("complete");
        public Task AbandonAsync(CancellationToken cancellationToken) => Settle("abandon");
        public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) => Settle("dead-letter");

        public Task RenewLockAsync(CancellationToken cancellationToken)
        {
            if (RenewalFails) throw new LockLostException(MessageId);
            Interlocked.Increment(ref _renewals);
            return Task.CompletedTask;
        }

        private Task Settle(string settlement)
        {
            lock (Settlements) Settlements.Add(settlement);
            return Task.CompletedTask;
        }
    }
}
