package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/validation"
)

// maxUploadBytes: the portal takes files up to the API's general body limit
// (CADENA_MAX_BODY_BYTES, 1 MiB by default, some 10,000 rows); larger files
// go through `cadena invoices upload`.
const maxUploadBytes = 1 << 20

type uploadForm struct {
	Programs []program.Program
	Program  string
}

func (p *portal) uploadForm(c echo.Context, pg *page) error {
	progs, err := p.app.Administration.ListPrograms(c.Request().Context(), pg.actor(), uuid.Nil, 100)
	if err != nil {
		return err
	}
	pg.Data = uploadForm{Programs: progs.Items, Program: c.QueryParam("program")}
	return p.render(c, http.StatusOK, "upload", pg)
}

type previewData struct {
	invoicing.BatchPreview
	Currency string // the program's, for rows that name none
	CSV      string
	Key      string
	Program  string
	FileName string
}

// readUpload returns the uploaded file's bytes, or field errors to show on the form.
func readUpload(c echo.Context) ([]byte, string, validation.Errors) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, "", validation.Errors{{Field: "file", Code: "file_required"}}
	}
	if fh.Size > maxUploadBytes {
		return nil, "", validation.Errors{{Field: "file", Code: "file_too_large"}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", validation.Errors{{Field: "file", Code: "file_required"}}
	}
	defer func() { _ = f.Close() }() // read only
	b, err := io.ReadAll(io.LimitReader(f, maxUploadBytes+1))
	if err != nil || len(b) > maxUploadBytes {
		return nil, "", validation.Errors{{Field: "file", Code: "file_too_large"}}
	}
	return b, fh.Filename, nil
}

// batchInput parses the CSV as the API's batch endpoint does; a file-level
// refusal (encoding, header, quoting) becomes a field error on the form.
func batchInput(data []byte, programField string) (invoicing.BatchInput, validation.Errors) {
	in := invoicing.BatchInput{Format: "csv"}
	if programField != "" {
		id, err := uuid.Parse(programField)
		if err != nil {
			return in, validation.Errors{{Field: "program", Code: "invalid", Message: "choose a program"}}
		}
		in.ProgramID = id
	}
	var err error
	in.Drafts, in.Malformed, err = invoice.ReadCSV(data, invoice.MaxBatchRows)
	switch {
	case errors.Is(err, invoice.ErrCSVEncoding):
		return in, validation.Errors{{Field: "file", Code: "csv_encoding"}}
	case errors.Is(err, invoice.ErrCSVHeader):
		return in, validation.Errors{{Field: "file", Code: "csv_header", Message: err.Error()}}
	case errors.Is(err, invoice.ErrCSVSyntax):
		return in, validation.Errors{{Field: "file", Code: "csv_syntax", Message: err.Error()}}
	case errors.Is(err, invoice.ErrTooManyRows):
		return in, validation.Errors{{Field: "file", Code: "csv_too_many_rows"}}
	case err != nil:
		return in, validation.Errors{{Field: "file", Code: "csv_syntax", Message: err.Error()}}
	case len(in.Drafts) == 0:
		return in, validation.Errors{{Field: "file", Code: "csv_empty"}}
	}
	return in, nil
}

func (p *portal) formAgain(c echo.Context, pg *page, errs validation.Errors) error {
	progs, err := p.app.Administration.ListPrograms(c.Request().Context(), pg.actor(), uuid.Nil, 100)
	if err != nil {
		return err
	}
	pg.Errors = errs
	pg.Data = uploadForm{Programs: progs.Items, Program: c.FormValue("program")}
	return p.render(c, http.StatusUnprocessableEntity, "upload", pg)
}

// previewUpload checks the file through the same publication path, rolled
// back, and shows every row with its errors; nothing is published yet.
func (p *portal) previewUpload(c echo.Context, pg *page) error {
	data, name, errs := readUpload(c)
	if errs != nil {
		return p.formAgain(c, pg, errs)
	}
	in, errs := batchInput(data, c.FormValue("program"))
	if errs != nil {
		return p.formAgain(c, pg, errs)
	}
	pv, err := p.app.Invoicing.PreviewBatch(c.Request().Context(), pg.actor(), in)
	if errors.Is(err, invoice.ErrNoProgram) {
		return p.formAgain(c, pg, validation.Errors{{Field: "program", Code: "program_required"}})
	}
	if err != nil {
		return err
	}
	pd := previewData{BatchPreview: pv, CSV: string(data), Key: RandomToken(), Program: pv.ProgramID.String(), FileName: name}
	if prog, err := p.app.Administration.GetProgram(c.Request().Context(), pg.actor(), pv.ProgramID); err == nil {
		pd.Currency = string(prog.Currency)
	}
	pg.Data = pd
	return p.render(c, http.StatusOK, "preview", pg)
}

// publishUpload publishes the previewed file under the preview's one-time
// key: a double click or a reload lands on the same batch.
func (p *portal) publishUpload(c echo.Context, pg *page) error {
	data := []byte(c.FormValue("csv"))
	if len(data) == 0 || len(data) > maxUploadBytes {
		return p.formAgain(c, pg, validation.Errors{{Field: "file", Code: "file_required"}})
	}
	in, errs := batchInput(data, c.FormValue("program"))
	if errs != nil {
		return p.formAgain(c, pg, errs)
	}
	b, err := p.publishOnce(c.Request().Context(), pg.actor(), c.FormValue("key"), in)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/batches/"+b.ID.String()+"?ok=published")
}

type batchData struct {
	invoice.Batch
	Rejected []invoice.RowResult
}

func (p *portal) showBatch(c echo.Context, pg *page) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return invoice.ErrBatchNotFound
	}
	b, rows, err := p.app.Invoicing.GetBatch(c.Request().Context(), pg.actor(), id, "rejected", 0, 1000)
	if err != nil {
		return err
	}
	pg.Data = batchData{Batch: b, Rejected: rows}
	return p.render(c, http.StatusOK, "batch", pg)
}
