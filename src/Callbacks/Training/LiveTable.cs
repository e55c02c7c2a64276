using System;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;

namespace Gen;

/// <summary>
/// The terminal view of <see cref="Progress"/>: fastai's epoch table and a progress line under it, drawn by
/// Spectre.Console's live display. Spectre runs a live display inside a callback until it returns, so the
/// display runs on its own task until <see cref="Stop"/>; updates come from the training thread.
/// </summary>
internal sealed class LiveTable
{
    private readonly Table _table = new();
    private readonly ManualResetEventSlim _started = new(), _stopped = new();
    private readonly object _gate = new();
    private LiveDisplayContext? _context;
    private Task? _display;
    private string _phase = "";
    private int _total;

    private LiveTable() { }

    public static LiveTable Start(string[] columns)
    {
        var view = new LiveTable();
        foreach (var c in columns) view._table.AddColumn(new TableColumn(c).RightAligned());
        view._table.Border(TableBorder.Simple);
        view._table.Caption("starting");
        view._display = Task.Run(() => AnsiConsole.Live(view._table).AutoClear(false).Start(context =>
        {
            view._context = context;
            view._started.Set();
            view._stopped.Wait();
        }));
        view._started.Wait();
        return view;
    }

    public void Phase(string phase, int total)
    {
        (_phase, _total) = (phase, total);
        Batch(0, double.NaN);
    }

    public void Batch(int done, double smoothLoss)
    {
        int width = 30, filled = _total == 0 ? width : done * width / _total;
        var loss = double.IsNaN(smoothLoss) ? "" : $"  loss {smoothLoss:F4}";
        var text = $"{_phase} [{new string('#', filled)}{new string('-', width - filled)}] {done}/{_total}{loss}";
        Update(() => _table.Caption(Markup.Escape(text)));
    }

    public void Add(string[] cells) => Update(() => _table.AddRow(cells));

    public void Stop()
    {
        Update(() => _table.Caption(""));
        _stopped.Set();
        _display!.Wait();
    }

    private void Update(Action change)
    {
        lock (_gate)
        {
            change();
            _context!.Refresh();
        }
    }
}
