namespace Bert.Gpu.Backends.Host;

/// <summary>
/// How a host GEMM (fp32 or int8) cuts its work into tasks: blocks of rows × groups of column panels. Small batches have
/// few row blocks, so the panels are split too until every thread has about four tasks (each panel group re-reads, or
/// for int8 re-quantizes, its rows: 1/N of the block's multiply-adds).
/// </summary>
internal readonly record struct GemmTasks(int RowBlocks, int PanelGroups, int PanelsPerGroup)
{
    public static GemmTasks For(int rows, int rowsPerTask, int panels, int threads)
    {
        var rowBlocks = (rows + rowsPerTask - 1) / rowsPerTask;
        var panelGroups = Math.Clamp(4 * threads / rowBlocks, 1, panels);
        var panelsPerGroup = (panels + panelGroups - 1) / panelGroups;
        return new GemmTasks(rowBlocks, (panels + panelsPerGroup - 1) / panelsPerGroup, panelsPerGroup);
    }

    public int Count => RowBlocks * PanelGroups;
}
