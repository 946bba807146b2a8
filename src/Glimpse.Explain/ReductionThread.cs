using System.Runtime.ExceptionServices;
using TorchSharp;

namespace Glimpse.Explain;

/// <summary>
/// One long-lived thread on which a gradient consumer does its work while a CPU backward waits for it (see
/// <see cref="GradientSweep"/>). Calls are run one at a time, in order, and each returns when its work is done; an
/// exception thrown by the work is rethrown to the caller. The work runs with the caller's number of intra-op threads
/// (libtorch keeps it per thread); anything else thread-local (grad mode, dispose scopes) it sets up itself.
/// </summary>
/// <remarks>
/// Why another thread: glibc's allocator serves each thread from an arena of its own (while a process has fewer than
/// eight per core). A CPU backward frees and allocates blocks of one large size ([C, H, N, N], tens of MB) layer after
/// layer, and reuses the holes they leave. Every tensor operation made between those allocations also allocates small
/// objects (the tensor handle, its TensorImpl, small results); glibc carves them out of a free chunk that fits, often
/// the start of such a hole, and keeps them in its per-thread caches once freed. A hole with a small chunk in it no
/// longer fits the next large block, so the heap grows: with the reduction in the backward's thread, resident memory
/// grew by about a block per layer and answer token, to twice that of the same backwards without it (issue 13: 5.9 GiB
/// against 3.0 GiB on a 237 M-parameter model at 12 answer tokens, and 1.38× the time, in page faults; nothing leaked,
/// the arena held the difference as free chunks). On a thread of its own the reduction's small objects come from its
/// own arena and the backward's holes stay whole: 1.01× the memory of the bare backwards at 32 answer tokens. The work
/// itself is unchanged.
/// </remarks>
internal sealed class ReductionThread
{
    private static readonly Lazy<ReductionThread> s_shared = new(() => new ReductionThread("glimpse-reduction"));

    /// <summary>The process's one reduction thread, started on first use.</summary>
    public static ReductionThread Shared => s_shared.Value;

    private readonly Thread _thread;
    private readonly Lock _gate = new();                 // one caller at a time hands over work
    private readonly SemaphoreSlim _handedOver = new(0);
    private readonly SemaphoreSlim _finished = new(0);
    private Action? _work;
    private int _intraOpThreads;
    private ExceptionDispatchInfo? _failure;

    private ReductionThread(string name)
    {
        _thread = new Thread(Serve) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the reduction thread and waits for it; rethrows what it throws.</summary>
    public void Run(Action work)
    {
        if (Thread.CurrentThread == _thread)
        {
            work();   // already there (work that runs more work)
            return;
        }
        lock (_gate)
        {
            (_work, _intraOpThreads) = (work, torch.get_num_threads());
            _handedOver.Release();
            _finished.Wait();
            var failure = _failure;
            (_work, _failure) = (null, null);
            failure?.Throw();
        }
    }

    private void Serve()
    {
        while (true)
        {
            _handedOver.Wait();
            try
            {
                if (torch.get_num_threads() != _intraOpThreads) torch.set_num_threads(_intraOpThreads);
                _work!();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
            _finished.Release();
        }
    }
}
